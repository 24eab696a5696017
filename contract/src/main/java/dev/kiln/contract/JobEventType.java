package dev.kiln.contract;

/** What a worker reports about a job. */
public enum JobEventType {

	/** A worker took the job and began an attempt. */
	STARTED,

	/** A render step finished. */
	PROGRESS,

	/** All outputs are durable in the object store. */
	SUCCEEDED,

	/** The attempt failed; see the error type. */
	FAILED,

	/** The job stopped because its owner cancelled it. */
	CANCELLED,

	/**
	 * The attempt ended without a result (a transient fault, a drain on shutdown) and the message was handed back to
	 * its queue; the job will be delivered again.
	 */
	RELEASED

}
