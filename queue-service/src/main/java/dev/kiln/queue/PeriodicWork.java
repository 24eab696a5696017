package dev.kiln.queue;

import java.time.Duration;

/**
 * Work the queue service does again and again at a fixed delay: the sweeps, the webhook poll, the outbox relay, the
 * lane figures. Each is a bean; {@link PeriodicWorkScheduler} starts them all once the application is ready, so every
 * one is scheduled, and recovers from a failed round, the same way.
 */
public interface PeriodicWork {

	/**
	 * What the work is, for the log line of a failed round ({@code "Outbox relay"}).
	 * @return its name
	 */
	String name();

	/**
	 * The delay between the end of one round and the start of the next.
	 * @return the interval
	 */
	Duration interval();

	/**
	 * Whether the first round runs as soon as the application is ready, rather than one interval later.
	 * @return {@code true} to start at once
	 */
	default boolean startsAtOnce() {
		return false;
	}

	/**
	 * Whether the work runs at all (its feature may be switched off).
	 * @return {@code true} to schedule it
	 */
	default boolean enabled() {
		return true;
	}

	/** One round. A {@link RuntimeException} is logged and the next round runs one interval later. */
	void runRound();

}
