package dev.kiln.worker.drain;

/**
 * Whether the worker has anything in hand: a message it holds, a job it leases or renders. The idle exit asks it; the
 * job package answers.
 */
public interface WorkInHand {

	/** Whether the worker holds, leases or renders anything right now. */
	boolean any();

}
