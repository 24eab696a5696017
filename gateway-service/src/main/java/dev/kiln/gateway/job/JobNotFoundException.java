package dev.kiln.gateway.job;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;

import dev.kiln.gateway.web.ApiProblemException;
import dev.kiln.gateway.web.ProblemTypes;

/** No job with that id is visible to the caller: answered 404 {@code job-not-found}, as for an unknown id. */
public class JobNotFoundException extends ApiProblemException {

	JobNotFoundException(String jobId) {
		super(HttpStatus.NOT_FOUND, ProblemTypes.JOB_NOT_FOUND, "Job not found", "No job with id '" + jobId + "'",
				List.of(), Map.of());
	}

}
