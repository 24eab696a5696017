package dev.kiln.worker.drain;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * Ends the process with status 0 through the drain: raises the {@link DrainSignal}, and once the context has stopped
 * (the drain done) the JVM exits with status 0, so a Kubernetes Job (KEDA's ScaledJob mode) completes. Both of the
 * worker's own reasons to end go this way: {@code kiln.worker.max-jobs} taken and {@code kiln.worker.max-idle} without
 * work. The exit runs on its own thread: closing the context waits for the receive loop, which may be the caller.
 */
@Component
public class WorkerExit {

	private final DrainSignal signal;

	private final Runnable exit;

	@Autowired
	WorkerExit(DrainSignal signal, ConfigurableApplicationContext context) {
		this(signal, () -> Thread.ofPlatform()
			.name("kiln-worker-exit")
			.start(() -> System.exit(SpringApplication.exit(context))));
	}

	/**
	 * An exit that runs {@code exit} instead of stopping the context and the JVM (for tests).
	 * @param signal the drain signal
	 * @param exit what ends the process
	 */
	public WorkerExit(DrainSignal signal, Runnable exit) {
		this.signal = signal;
		this.exit = exit;
	}

	/** Whether a drain is under way, for whatever reason. */
	public boolean draining() {
		return this.signal.raised();
	}

	/**
	 * Drains for that reason (unless a drain is already under way) and exits in any case: the worker has done what it
	 * was started for.
	 * @param reason why, for the log
	 */
	public void exit(String reason) {
		this.signal.raise(reason);
		this.exit.run();
	}

	/**
	 * Drains for that reason and exits, unless a drain is already under way (SIGTERM, a spot notice): that one is left
	 * to end the process its own way.
	 * @param reason why, for the log
	 * @return whether this call started the drain and the exit
	 */
	public boolean exitUnlessDraining(String reason) {
		if (!this.signal.raise(reason)) {
			return false;
		}
		this.exit.run();
		return true;
	}

}
