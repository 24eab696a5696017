package dev.kiln.worker.job;

import java.util.List;

import lombok.RequiredArgsConstructor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.kiln.worker.WorkerProperties;

/**
 * What the worker holds, on both sides at once: the messages in hand (their visibility on the lane's queue) and the
 * jobs it leases (their lease in Redis), kept in step with {@link WorkerActivity}, which lists them for the heartbeat,
 * the busy gauge and the idle exit. Every message taken is held until it is deleted or handed back; every lease taken
 * is given up when its job is done with.
 */
@Component
@RequiredArgsConstructor
class Holdings {

	private static final Logger logger = LoggerFactory.getLogger(Holdings.class);

	private final JobQueues queues;

	private final JobRecords records;

	private final WorkerActivity activity;

	private final WorkerProperties properties;

	/** Holds a message: its visibility is renewed from now on. */
	void hold(HeldMessage message) {
		this.activity.hold(message);
	}

	/** Stops renewing a message's visibility, which then lapses (it was left for the dead-letter queue). */
	void letGo(HeldMessage message) {
		this.activity.letGo(message);
	}

	/** Deletes a message (the job is done with) and lets it go. */
	void delete(HeldMessage message) {
		this.queues.delete(message);
		this.activity.letGo(message);
	}

	/**
	 * Hands a message back with a visibility timeout (0: at once) and lets it go, also when SQS refuses.
	 * @param message the message
	 * @param seconds its visibility from now
	 */
	void handBack(HeldMessage message, int seconds) {
		try {
			this.queues.changeVisibility(message, seconds);
		}
		finally {
			this.activity.letGo(message);
		}
	}

	/** Checks the job and takes its lease for this worker if it is open ({@link JobRecords#claim}). */
	JobRecords.Claim claim(String jobId) {
		return this.records.claim(jobId, this.properties.id(), this.properties.leaseTtl());
	}

	/** The job's lease is this worker's now: renewed from now on. */
	void leased(String jobId) {
		this.activity.leased(jobId);
	}

	/** Gives up the job's lease, if this worker still holds it; a Redis fault is only logged (the lease expires). */
	void release(String jobId) {
		try {
			this.records.release(jobId, this.properties.id());
		}
		catch (RuntimeException ex) {
			logger.warn("Could not give up the lease of job {} (it expires by itself): {}", jobId, ex.getMessage());
		}
		this.activity.unleased(jobId);
	}

	/** Whether the job's owner asked to cancel it. */
	boolean cancelRequested(String jobId) {
		return this.records.cancelRequested(jobId);
	}

	/** The jobs of a forward pass start rendering. */
	void rendering(List<String> jobIds) {
		this.activity.rendering(jobIds);
	}

	/** The pass is done with. */
	void idle() {
		this.activity.idle();
	}

	/**
	 * Renews what is held: every message's visibility by {@code kiln.worker.visibility-timeout} (capped at 12 hours
	 * after it was received), every job's lease by {@code kiln.worker.lease-ttl}. A fault is logged and the next
	 * renewal tries again.
	 */
	void renew() {
		for (HeldMessage message : this.activity.held()) {
			long remaining = Backoff.SQS_MAX_VISIBILITY.minus(message.held()).toSeconds() - 1;
			int seconds = (int) Math.min(this.properties.visibilityTimeout().toSeconds(), remaining);
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
				if (!this.records.renew(jobId, this.properties.id(), this.properties.leaseTtl())) {
					logger.warn("Lost the lease of job {}; another worker may render it too", jobId);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Could not renew the lease of job {}: {}", jobId, ex.getMessage());
			}
		}
	}

}
