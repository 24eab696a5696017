package dev.kiln.worker.job;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.kiln.worker.WorkerProperties;

/**
 * The worker's heartbeat thread: every {@code kiln.worker.heartbeat-interval} it renews the visibility of every message
 * in hand (by {@code kiln.worker.visibility-timeout}, capped at 12 hours after the message was received), renews the
 * lease of every job in hand and writes the worker's heartbeat. {@link JobReceiver} starts it with the receive loop
 * and stops it only once the loop has ended, so that what a drain still holds stays held.
 */
@Component
class Renewals {

	private static final Logger logger = LoggerFactory.getLogger(Renewals.class);

	private final JobQueues queues;

	private final JobRecords records;

	private final WorkerActivity activity;

	private final HeartbeatPublisher heartbeat;

	private final WorkerProperties.Worker settings;

	private @Nullable ScheduledExecutorService beats;

	Renewals(JobQueues queues, JobRecords records, WorkerActivity activity, HeartbeatPublisher heartbeat,
			WorkerProperties properties) {
		this.queues = queues;
		this.records = records;
		this.activity = activity;
		this.heartbeat = heartbeat;
		this.settings = properties.worker();
	}

	/** Starts beating, the first beat at once. */
	synchronized void start() {
		if (this.beats != null) {
			return;
		}
		ScheduledExecutorService executor = Executors
			.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("kiln-worker-heartbeat").factory());
		long period = this.settings.heartbeatInterval().toMillis();
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
		for (HeldMessage message : this.activity.held()) {
			long remaining = Backoff.SQS_MAX_VISIBILITY.minus(message.held()).toSeconds() - 1;
			int seconds = (int) Math.min(this.settings.visibilityTimeout().toSeconds(), remaining);
			if (seconds > 0) {
				try {
					this.queues.changeVisibility(message, seconds);
				}
				catch (RuntimeException ex) {
					logger.warn("Could not extend the visibility of message {}: {}", message.messageId(),
							ex.getMessage());
				}
			}
		}
		for (String jobId : this.activity.leases()) {
			try {
				if (!this.records.renew(jobId, this.settings.id(), this.settings.leaseTtl())) {
					logger.warn("Lost the lease of job {}; another worker may render it too", jobId);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Could not renew the lease of job {}: {}", jobId, ex.getMessage());
			}
		}
		try {
			this.heartbeat.beat();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not write the heartbeat: {}", ex.getMessage());
		}
	}

}
