package dev.kiln.jobstore;

import java.util.Locale;

import dev.kiln.contract.JobState;

/**
 * What a request to change a job's state did, as the state machine answered it.
 */
public sealed interface Transition {

	/**
	 * The job moved from one state to another (or stayed {@code RUNNING} on accepted progress).
	 *
	 * @param from the state before
	 * @param to the state after
	 */
	record Moved(JobState from, JobState to) implements Transition {

		/** Whether the job ended with this move. */
		public boolean finished() {
			return this.to.isTerminal() && this.from != this.to;
		}

		@Override
		public String toString() {
			return this.from + ">" + this.to;
		}

	}

	/**
	 * Nothing changed.
	 *
	 * @param reason why: {@code unknown-job}, {@code terminal}, {@code not-allowed}, {@code stale-attempt},
	 * {@code not-running}, {@code old-step}, {@code unknown-type}
	 */
	record Ignored(String reason) implements Transition {

		/** The job has no record (never written, expired, or another tenant's). */
		public static final String UNKNOWN_JOB = "unknown-job";

		/** The job is finished for good. */
		public static final String TERMINAL = "terminal";

		@Override
		public String toString() {
			return "ignored:" + this.reason;
		}

	}

	/** A running job was asked to stop: its worker reads the request between steps and reports it cancelled. */
	record CancelRequested() implements Transition {

		@Override
		public String toString() {
			return "requested";
		}

	}

	/** A job that never reached its queue was removed. */
	record Withdrawn() implements Transition {

		@Override
		public String toString() {
			return "withdrawn";
		}

	}

	/** Whether the job ended (reached a terminal state) with this change. */
	default boolean finishedJob() {
		return this instanceof Moved moved && moved.finished();
	}

	/** Whether the job is now in {@code state} because of this change. */
	default boolean movedTo(JobState state) {
		return this instanceof Moved moved && moved.to() == state && moved.from() != state;
	}

	/**
	 * Reads a script's answer.
	 * @param answer {@code FROM>TO}, {@code ignored:<reason>}, {@code requested} or {@code withdrawn}
	 * @return the transition
	 */
	static Transition parse(String answer) {
		if (answer.startsWith("ignored:")) {
			return new Ignored(answer.substring("ignored:".length()));
		}
		if (answer.equals("requested")) {
			return new CancelRequested();
		}
		if (answer.equals("withdrawn")) {
			return new Withdrawn();
		}
		int separator = answer.indexOf('>');
		if (separator < 0) {
			throw new IllegalStateException("Unexpected answer of a job transition script: " + answer);
		}
		return new Moved(JobState.valueOf(answer.substring(0, separator).toUpperCase(Locale.ROOT)),
				JobState.valueOf(answer.substring(separator + 1).toUpperCase(Locale.ROOT)));
	}

}
