package dev.kiln.queue.lane;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import lombok.AccessLevel;
import lombok.RequiredArgsConstructor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.model.Message;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.jobstore.Transition;
import dev.kiln.queue.PeriodicWork;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.queue.lifecycle.JobStateMachine;
import dev.kiln.support.metrics.Meters;

/**
 * The sweep of the lanes' dead-letter queues. A message lands there after {@code maxReceiveCount} deliveries without a
 * result; its body is the original {@link JobMessage}. Every {@code kiln.lanes.dead-letter-interval} the sweep reads
 * every message of each dead-letter queue and marks its job {@code FAILED} with error type
 * {@value #EXHAUSTED_RETRIES} and the attempt count. Messages stay in the queue (they are made visible again at the
 * end of the sweep) so that an operator can {@link Redrive redrive} them; the sweep also measures the age of the
 * oldest one. Sweep and redrive of one lane never overlap within this process ({@link DeadLetterQueues}); several
 * replicas may sweep at once (harmless: the state machine is idempotent).
 */
@Component
@RequiredArgsConstructor(access = AccessLevel.PACKAGE)
public class DeadLetters implements PeriodicWork {

	private static final Logger logger = LoggerFactory.getLogger(DeadLetters.class);

	/** Error type of a job whose message was delivered {@code maxReceiveCount} times without a result. */
	static final String EXHAUSTED_RETRIES = "exhausted-retries";

	private final DeadLetterQueues queues;

	private final JobStore store;

	private final JobStateMachine stateMachine;

	private final Clock clock;

	private final MeterRegistry meters;

	private final QueueServiceProperties properties;

	@Override
	public Schedule schedule() {
		return Schedule.every("Dead-letter sweep", this.properties.lanes().deadLetterInterval());
	}

	/** Sweeps every lane; a lane that fails does not keep the others from their sweep. */
	@Override
	public void runRound() {
		for (Lane lane : Lane.values()) {
			try {
				sweep(lane);
			}
			catch (RuntimeException ex) {
				logger.warn("Dead-letter sweep of lane {} failed; trying again in {}", lane.wireName(),
						this.properties.lanes().deadLetterInterval(), ex);
			}
		}
	}

	/**
	 * Marks the job of every message in the lane's dead-letter queue {@code FAILED}, unless it is finished already.
	 * @param lane the lane
	 * @return the jobs marked
	 */
	public int sweep(Lane lane) {
		return this.queues.locked(lane, (url) -> {
			List<Message> messages = this.queues.receiveAll(url);
			int marked = 0;
			try {
				for (Message message : messages) {
					if (markFailed(lane, message)) {
						marked++;
					}
				}
				this.queues.seen(lane, messages);
			}
			finally {
				this.queues.release(url, messages);
			}
			return marked;
		});
	}

	private boolean markFailed(Lane lane, Message message) {
		String jobId = this.queues.jobId(message);
		if (jobId == null) {
			return false;
		}
		JobRecord job = this.store.find(jobId);
		if (job == null || job.state() == null || job.terminal()) {
			return false;
		}
		int attempts = Math.max(this.properties.queues().maxReceiveCount(), job.attempt());
		String workerId = (job.workerId() != null) ? job.workerId() : "";
		Transition outcome = this.stateMachine.apply(JobEvent.failed(jobId, EXHAUSTED_RETRIES,
				"Delivered " + attempts + " times without a result; moved to the dead-letter queue", attempts,
				workerId, Instant.now(this.clock)));
		if (!outcome.movedTo(JobState.FAILED)) {
			return false;
		}
		Meters.counter(this.meters, "kiln.lane.dead.letters.failed",
				"Jobs marked FAILED because their message reached the dead-letter queue", "lane", lane.wireName())
			.increment();
		logger.warn("Job {} exhausted its {} attempts in lane {}: FAILED", jobId, attempts, lane.wireName());
		return true;
	}

}
