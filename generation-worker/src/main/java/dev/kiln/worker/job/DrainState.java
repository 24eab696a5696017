package dev.kiln.worker.job;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.drain.DrainSignal;

/**
 * The receive loop's view of a drain: from the moment the {@link DrainSignal} is raised no message is received or
 * started, and once {@code kiln.worker.drain-timeout} has passed, running renders stop at their next step, are
 * checkpointed and handed back.
 */
@Component
class DrainState {

	private final DrainSignal signal;

	private final Duration timeout;

	private volatile long deadline;

	private volatile boolean draining;

	DrainState(DrainSignal signal, WorkerProperties properties) {
		this.signal = signal;
		this.timeout = properties.drainTimeout();
		signal.onRaise((reason) -> begin());
	}

	private void begin() {
		this.deadline = System.nanoTime() + this.timeout.toNanos();
		this.draining = true;
	}

	/**
	 * Starts the drain (raises the {@link DrainSignal}) unless it has started.
	 * @param reason why, for the log
	 */
	void raise(String reason) {
		this.signal.raise(reason);
	}

	/** Why the worker drains, or {@code null} while it does not. */
	@Nullable String reason() {
		return this.signal.reason();
	}

	/** Whether the worker drains: take nothing new. */
	boolean draining() {
		return this.draining;
	}

	/** Whether running renders must stop now. */
	boolean deadlinePassed() {
		return this.draining && System.nanoTime() - this.deadline >= 0;
	}

}
