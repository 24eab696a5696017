package dev.kiln.worker.job;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.kiln.worker.WorkerProperties;

/**
 * The worker's heartbeat thread: every {@code kiln.worker.heartbeat-interval} it renews what the worker holds
 * ({@link Holdings#renew}: the visibility of every message in hand, the lease of every job in hand) and writes the
 * worker's heartbeat. {@link JobReceiver} starts it with the receive loop
 * and stops it only once the loop has ended, so that what a drain still holds stays held.
 */
@Component
@RequiredArgsConstructor
class Renewals {

	private static final Logger logger = LoggerFactory.getLogger(Renewals.class);

	private final Holdings holdings;

	private final HeartbeatPublisher heartbeat;

	private final WorkerProperties properties;

	private @Nullable ScheduledExecutorService beats;

	/** Starts beating, the first beat at once. */
	synchronized void start() {
		if (this.beats != null) {
			return;
		}
		ScheduledExecutorService executor = Executors
			.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("kiln-worker-heartbeat").factory());
		long period = this.properties.heartbeatInterval().toMillis();
		executor.scheduleWithFixedDelay(this::beat, 0, period, TimeUnit.MILLISECONDS);
		this.beats = executor;
	}

	/** Stops beating and removes the heartbeat: the worker is gone. */
	void stop() {
		synchronized (this) {
			if (this.beats != null) {
				this.beats.shutdownNow();
				this.beats = null;
			}
		}
		try {
			this.heartbeat.remove();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not remove the heartbeat: {}", ex.getMessage());
		}
	}

	/** Renews every message's visibility and every job's lease, and writes the heartbeat. */
	void beat() {
		this.holdings.renew();
		try {
			this.heartbeat.beat();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not write the heartbeat: {}", ex.getMessage());
		}
	}

}
