package dev.kiln.queue;

import java.time.Duration;

/**
 * Work the queue service does again and again at a fixed delay: the sweeps, the webhook poll, the outbox relay, the
 * lane figures. Each is a bean; {@link PeriodicWorkScheduler} starts them all once the application is ready, so every
 * one is scheduled, and recovers from a failed round, the same way.
 */
public interface PeriodicWork {

	/**
	 * When the work runs.
	 * @return its schedule
	 */
	Schedule schedule();

	/** One round. A {@link RuntimeException} is logged and the next round runs one interval later. */
	void runRound();

	/**
	 * When a piece of periodic work runs.
	 *
	 * @param name what the work is, for the log line of a failed round ({@code "Outbox relay"})
	 * @param interval the delay between the end of one round and the start of the next
	 * @param startsAtOnce whether the first round runs as soon as the application is ready, not one interval later
	 * @param enabled whether the work runs at all (its feature may be switched off)
	 */
	record Schedule(String name, Duration interval, boolean startsAtOnce, boolean enabled) {

		/**
		 * Every {@code interval}, the first round one interval after start-up.
		 * @param name what the work is
		 * @param interval the delay between rounds
		 * @return the schedule
		 */
		public static Schedule every(String name, Duration interval) {
			return new Schedule(name, interval, false, true);
		}

		/**
		 * This schedule with its first round at start-up.
		 * @return the schedule
		 */
		public Schedule startingAtOnce() {
			return new Schedule(this.name, this.interval, true, this.enabled);
		}

		/**
		 * This schedule, switched on only if {@code enabled}.
		 * @param enabled whether the work runs
		 * @return the schedule
		 */
		public Schedule onlyIf(boolean enabled) {
			return new Schedule(this.name, this.interval, this.startsAtOnce, enabled);
		}

	}

}
