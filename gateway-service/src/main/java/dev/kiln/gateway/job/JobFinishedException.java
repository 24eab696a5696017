package dev.kiln.gateway.job;

import java.util.List;

import dev.kiln.gateway.web.DomainException;
import dev.kiln.gateway.web.ProblemTypes;

/** The job has finished and can no longer be changed (cancelled): {@code job-finished}. */
public class JobFinishedException extends DomainException {

	JobFinishedException(String jobId, String state) {
		super(ProblemTypes.JOB_FINISHED, "Job " + jobId + " is " + state + " and can no longer be cancelled.",
				List.of());
	}

}
