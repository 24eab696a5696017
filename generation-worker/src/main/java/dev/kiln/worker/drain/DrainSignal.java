package dev.kiln.worker.drain;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Raised once when the worker must stop taking work and hand back what it cannot finish: on SIGTERM, on an EC2 spot
 * interruption notice, or on request. Listeners are told once, on the thread that raised it.
 */
@Component
public class DrainSignal {

	private static final Logger logger = LoggerFactory.getLogger(DrainSignal.class);

	private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

	private volatile @Nullable String reason;

	/**
	 * Starts the drain; later calls do nothing.
	 * @param why why, for the log and the listeners
	 * @return {@code true} when this call started it
	 */
	public boolean raise(String why) {
		synchronized (this) {
			if (this.reason != null) {
				return false;
			}
			this.reason = why;
		}
		logger.info("Draining: {}", why);
		this.listeners.forEach((listener) -> listener.accept(why));
		return true;
	}

	/** Whether the drain has started. */
	public boolean raised() {
		return this.reason != null;
	}

	/** Why the drain started, or {@code null}. */
	public @Nullable String reason() {
		return this.reason;
	}

	/**
	 * Registers a listener; told at once when the drain has already started.
	 * @param listener called with the reason
	 */
	public void onRaise(Consumer<String> listener) {
		this.listeners.add(listener);
		String why = this.reason;
		if (why != null) {
			listener.accept(why);
		}
	}

}
