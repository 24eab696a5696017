package dev.kiln.gateway.job;

/** No job with that id is visible to the caller. */
public class JobNotFoundException extends RuntimeException {

	JobNotFoundException(String jobId) {
		super("No job with id '" + jobId + "'");
	}

}
