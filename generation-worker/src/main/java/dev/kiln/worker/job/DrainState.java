package dev.kiln.worker.job;

import java.time.Duration;

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

	private final Duration timeout;

	private volatile long deadline;

	private volatile boolean draining;

	DrainState(DrainSignal signal, WorkerProperties properties) {
		this.timeout = properties.worker().drainTimeout();
		signal.onRaise((reason) -> begin());
	}

	private void begin() {
		this.deadline = System.nanoTime() + this.timeout.toNanos();
		this.draining = true;
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
