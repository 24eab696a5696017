package dev.kiln.queue.lane;

import org.jspecify.annotations.Nullable;

/**
 * One lane's figures.
 *
 * @param lane the lane's wire name
 * @param visible messages waiting in the lane's queue (SQS {@code ApproximateNumberOfMessages})
 * @param inFlight messages received by a worker and not yet deleted ({@code ApproximateNumberOfMessagesNotVisible})
 * @param delayed messages not yet deliverable ({@code ApproximateNumberOfMessagesDelayed})
 * @param deadLetters messages in the lane's dead-letter queue
 * @param waiting jobs {@code QUEUED} or {@code RETRYING} in the lane's index
 * @param oldestWaitingSeconds age of the oldest waiting job, since it was submitted; {@code null} when none waits
 * @param oldestDeadLetterSeconds age of the oldest dead-letter message seen by the last sweep, since it was first
 * sent; {@code null} when there was none
 */
record LaneStatus(String lane, long visible, long inFlight, long delayed, long deadLetters, long waiting,
		@Nullable Long oldestWaitingSeconds, @Nullable Long oldestDeadLetterSeconds) {
}
