package dev.kiln.worker.job;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;

/**
 * A job message this worker has received and not yet deleted or handed back. While held, its visibility is renewed
 * with every heartbeat, up to SQS's 12 hours after it was received.
 *
 * @param lane the lane it came from
 * @param queueUrl the queue it came from
 * @param messageId the SQS message id
 * @param receiptHandle the handle of this receive
 * @param receivedAtNanos {@link System#nanoTime()} when it was received
 * @param attempt the delivery attempt (SQS's ApproximateReceiveCount), from 1
 * @param body the raw body
 * @param job the job, or {@code null} when the body is not a job message this worker can read
 * @param trace the trace context it carried, when SQS took it and when it was received
 */
record HeldMessage(Lane lane, String queueUrl, String messageId, String receiptHandle, long receivedAtNanos,
		int attempt, String body, @Nullable JobMessage job, MessageTrace trace) {

	/** A message that carried no trace context (tests). */
	HeldMessage(Lane lane, String queueUrl, String messageId, String receiptHandle, long receivedAtNanos, int attempt,
			String body, @Nullable JobMessage job) {
		this(lane, queueUrl, messageId, receiptHandle, receivedAtNanos, attempt, body, job, MessageTrace.none());
	}

	/** How long it has been held. */
	Duration held() {
		return Duration.ofNanos(System.nanoTime() - this.receivedAtNanos);
	}

	/** The job; only for messages that were read. */
	JobMessage requireJob() {
		if (this.job == null) {
			throw new IllegalStateException("Message " + this.messageId + " holds no readable job");
		}
		return this.job;
	}

}
