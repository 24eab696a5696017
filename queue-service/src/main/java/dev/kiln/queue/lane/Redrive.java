package dev.kiln.queue.lane;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import lombok.RequiredArgsConstructor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.model.Message;

import dev.kiln.contract.Lane;
import dev.kiln.jobstore.JobStore;
import dev.kiln.jobstore.Transition;
import dev.kiln.queue.lifecycle.JobStateMachine;
import dev.kiln.support.metrics.Meters;

/**
 * The redrive of a lane's dead-letter queue, an operator's action: every message moves back to the lane's queue
 * (send, then delete). Each job gets its attempts reset and is {@code QUEUED} again, in its lane index, before its
 * message is sent. Jobs that succeeded or were cancelled meanwhile, and jobs whose record has expired, are not rendered
 * again: their messages are deleted. A message moved back carries the trace context recorded with its job
 * ({@link LaneMessages}). A redrive should be run against one replica; within this process it never overlaps the
 * lane's {@link DeadLetters sweep}.
 */
@Component
@RequiredArgsConstructor
class Redrive {

	private static final Logger logger = LoggerFactory.getLogger(Redrive.class);

	private final DeadLetterQueues queues;

	private final LaneMessages messages;

	private final JobStore store;

	private final JobStateMachine stateMachine;

	private final MeterRegistry meters;

	/**
	 * Moves every message of the lane's dead-letter queue back to the lane's queue.
	 * @param lane the lane
	 * @return what was done
	 */
	RedriveResult redrive(Lane lane) {
		return this.queues.locked(lane, (deadLetters) -> {
			int moved = 0;
			int discarded = 0;
			for (List<Message> batch = this.queues.receive(deadLetters); !batch.isEmpty(); batch = this.queues
				.receive(deadLetters)) {
				List<Message> pending = new ArrayList<>(batch);
				try {
					for (Message message : batch) {
						if (moveBack(lane, message)) {
							moved++;
						}
						else {
							discarded++;
						}
						this.queues.delete(deadLetters, message);
						pending.remove(message);
					}
				}
				finally {
					this.queues.release(deadLetters, pending);
				}
			}
			this.queues.emptied(lane);
			Meters.counter(this.meters, "kiln.lane.redriven",
					"Dead-letter messages moved back to their lane's queue", "lane", lane.wireName())
				.increment(moved);
			return new RedriveResult(lane.wireName(), moved, discarded);
		});
	}

	/** Sends the message back unless its job is finished for good or gone; says whether it did. */
	private boolean moveBack(Lane lane, Message message) {
		String jobId = this.queues.jobId(message);
		Object outcome = (jobId != null) ? this.stateMachine.redrive(jobId) : "unreadable";
		boolean discard = outcome instanceof Transition.Ignored(String reason)
				&& (reason.equals(Transition.Ignored.TERMINAL) || reason.equals(Transition.Ignored.UNKNOWN_JOB));
		if (!discard) {
			// with the trace context recorded with the job, so its next attempt stays in its trace
			this.messages.send(lane, message.body(), (jobId != null) ? this.store.find(jobId) : null).join();
		}
		logger.info("Redrive of lane {}: job {} {}", lane.wireName(), jobId, outcome);
		return !discard;
	}

}
