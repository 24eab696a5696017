package dev.kiln.contract;

/**
 * The state of a job as recorded in Redis. {@code QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED}, with
 * {@code RETRYING} when a job comes back to its queue after a failed attempt.
 */
public enum JobState {

	/** Accepted and waiting in its lane. */
	QUEUED,

	/** A worker is rendering it. */
	RUNNING,

	/** An attempt failed or its worker vanished; the message will be delivered again. */
	RETRYING,

	/** Outputs are in the object store. */
	SUCCEEDED,

	/** It will not be rendered; the record says why. */
	FAILED,

	/** Cancelled by its owner. */
	CANCELLED;

	/** Whether no further transition is allowed. */
	public boolean isTerminal() {
		return this == SUCCEEDED || this == FAILED || this == CANCELLED;
	}

}
