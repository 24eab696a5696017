package dev.kiln.worker.job;

/** A job that can never succeed, whatever worker tries it: it is failed at once rather than retried. */
class PermanentJobFailure extends RuntimeException {

	private final String errorType;

	PermanentJobFailure(String errorType, String message) {
		super(message);
		this.errorType = errorType;
	}

	/** The stable error type recorded on the job. */
	String errorType() {
		return this.errorType;
	}

}
