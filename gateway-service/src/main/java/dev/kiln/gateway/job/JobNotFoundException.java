package dev.kiln.gateway.job;

import java.util.List;

import dev.kiln.gateway.web.DomainException;
import dev.kiln.gateway.web.ProblemTypes;

/** No job with that id is visible to the caller: {@code job-not-found}, as for an unknown id. */
public class JobNotFoundException extends DomainException {

	JobNotFoundException(String jobId) {
		super(ProblemTypes.JOB_NOT_FOUND, "No job with id '" + jobId + "'", List.of());
	}

}
