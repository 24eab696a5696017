package dev.kiln.queue.lane;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

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
import dev.kiln.queue.tracing.JobTraces;
import dev.kiln.support.queues.QueueUrls;

/**
 * The lanes' dead-letter queues. A message lands there after {@code maxReceiveCount} deliveries without a result; its
 * body is the original {@link JobMessage}.
 * <ul>
 * <li>The <b>sweep</b> (every {@code kiln.lanes.dead-letter-interval}) reads every message of each dead-letter queue
 * and marks its job {@code FAILED} with error type {@value #EXHAUSTED_RETRIES} and the attempt count. Messages stay in
 * the queue (they are made visible again at the end of the sweep) so that an operator can redrive them; the sweep also
 * measures the age of the oldest one.</li>
 * <li>The <b>redrive</b> moves every message back to the lane's queue (send, then delete): each job gets its attempts
 * reset and is {@code QUEUED} again, in its lane index, before its message is sent. Jobs that succeeded or were
 * cancelled meanwhile, and jobs whose record has expired, are not rendered again: their messages are deleted. A
 * message moved back carries the trace context recorded with its job ({@code traceparent}).</li>
 * </ul>
 * Sweep and redrive of one lane never overlap within this process. Several replicas may sweep at once (harmless: the
 * state machine is idempotent), but a redrive should be run against one replica.
 */
@Component
public class DeadLetters implements PeriodicWork {

	private static final Logger logger = LoggerFactory.getLogger(DeadLetters.class);

	/** Error type of a job whose message was delivered {@code maxReceiveCount} times without a result. */
	static final String EXHAUSTED_RETRIES = "exhausted-retries";

	/** How long a sweep or redrive holds the messages it has read (they reappear if this process dies). */
	private static final Duration HOLD = Duration.ofSeconds(60);

	/** Upper bound of messages read per lane and sweep. */
	private static final int MAX_PER_SWEEP = 10_000;

	private final SqsAsyncClient sqs;

	private final QueueUrls urls;

	private final JobStore store;

	private final JobStateMachine stateMachine;

	private final JsonMapper json;

	private final Clock clock;

	private final MeterRegistry meters;

	private final int maxReceiveCount;

	private final Duration interval;

	private final Map<Lane, ReentrantLock> locks = new EnumMap<>(Lane.class);

	private final Map<Lane, OptionalLong> oldestSentMillis = new EnumMap<>(Lane.class);

	DeadLetters(SqsAsyncClient sqs, QueueUrls urls, JobStore store, JobStateMachine stateMachine, JsonMapper json,
			Clock clock, MeterRegistry meters, QueueServiceProperties properties) {
		this.sqs = sqs;
		this.urls = urls;
		this.store = store;
		this.stateMachine = stateMachine;
		this.json = json;
		this.clock = clock;
		this.meters = meters;
		this.maxReceiveCount = properties.queues().maxReceiveCount();
		this.interval = properties.lanes().deadLetterInterval();
		for (Lane lane : Lane.values()) {
			this.locks.put(lane, new ReentrantLock());
			this.oldestSentMillis.put(lane, OptionalLong.empty());
		}
	}

	@Override
	public Schedule schedule() {
		return Schedule.every("Dead-letter sweep", this.interval);
	}

	/** Sweeps every lane; a lane that fails does not keep the others from their sweep. */
	@Override
	public void runRound() {
		for (Lane lane : Lane.values()) {
			try {
				sweep(lane);
			}
			catch (RuntimeException ex) {
				logger.warn("Dead-letter sweep of lane {} failed; trying again in {}", lane.wireName(), this.interval,
						ex);
			}
		}
	}

	/**
	 * Marks the job of every message in the lane's dead-letter queue {@code FAILED}, unless it is finished already.
	 * @param lane the lane
	 * @return the jobs marked
	 */
	public int sweep(Lane lane) {
		ReentrantLock lock = this.locks.get(lane);
		lock.lock();
		try {
			String url = this.urls.deadLetters(lane).join();
			List<Message> messages = receiveAll(url);
			int marked = 0;
			try {
				for (Message message : messages) {
					if (markFailed(lane, message)) {
						marked++;
					}
				}
				this.oldestSentMillis.put(lane, messages.stream()
					.map((message) -> message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP))
					.filter((sent) -> sent != null)
					.mapToLong(Long::parseLong)
					.min());
			}
			finally {
				release(url, messages);
			}
			return marked;
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Moves every message of the lane's dead-letter queue back to the lane's queue.
	 * @param lane the lane
	 * @return what was done
	 */
	public RedriveResult redrive(Lane lane) {
		ReentrantLock lock = this.locks.get(lane);
		lock.lock();
		try {
			String deadLetters = this.urls.deadLetters(lane).join();
			String jobs = this.urls.jobs(lane).join();
			int moved = 0;
			int discarded = 0;
			for (List<Message> batch = receive(deadLetters); !batch.isEmpty(); batch = receive(deadLetters)) {
				List<Message> pending = new ArrayList<>(batch);
				try {
					for (Message message : batch) {
						String jobId = jobId(message);
						Object outcome = (jobId != null) ? this.stateMachine.redrive(jobId) : "unreadable";
						if (outcome instanceof Transition.Ignored(String reason) && (reason.equals(Transition.Ignored.TERMINAL)
								|| reason.equals(Transition.Ignored.UNKNOWN_JOB))) {
							discarded++;
						}
						else {
							// with the trace context recorded with the job, so its next attempt stays in its trace
							Map<String, MessageAttributeValue> attributes = (jobId != null)
									? JobTraces.messageAttributes(this.store.find(jobId)) : Map.of();
							this.sqs
								.sendMessage((request) -> request.queueUrl(jobs)
									.messageBody(message.body())
									.messageAttributes(attributes))
								.join();
							moved++;
						}
						this.sqs.deleteMessage(
								(request) -> request.queueUrl(deadLetters).receiptHandle(message.receiptHandle()))
							.join();
						pending.remove(message);
						logger.info("Redrive of lane {}: job {} {}", lane.wireName(), jobId, outcome);
					}
				}
				finally {
					release(deadLetters, pending);
				}
			}
			this.oldestSentMillis.put(lane, OptionalLong.empty());
			Counter.builder("kiln.lane.redriven")
				.description("Dead-letter messages moved back to their lane's queue")
				.tag("lane", lane.wireName())
				.register(this.meters)
				.increment(moved);
			return new RedriveResult(lane.wireName(), moved, discarded);
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Age of the oldest message seen in the lane's dead-letter queue by the last sweep, measured from when it was
	 * first sent.
	 * @param lane the lane
	 * @return the age, empty when the last sweep found none (or none ran yet)
	 */
	Optional<Duration> oldestAge(Lane lane) {
		OptionalLong sent = this.oldestSentMillis.get(lane);
		if (sent.isEmpty()) {
			return Optional.empty();
		}
		return Optional.of(Duration.ofMillis(Math.max(0, this.clock.millis() - sent.getAsLong())));
	}

	private boolean markFailed(Lane lane, Message message) {
		String jobId = jobId(message);
		if (jobId == null) {
			return false;
		}
		JobRecord job = this.store.find(jobId);
		if (job == null || job.state() == null || job.terminal()) {
			return false;
		}
		int attempts = Math.max(this.maxReceiveCount, job.attempt());
		String workerId = (job.workerId() != null) ? job.workerId() : "";
		Transition outcome = this.stateMachine.apply(JobEvent.failed(jobId, EXHAUSTED_RETRIES,
				"Delivered " + attempts + " times without a result; moved to the dead-letter queue", attempts,
				workerId, Instant.now(this.clock)));
		if (!outcome.movedTo(JobState.FAILED)) {
			return false;
		}
		Counter.builder("kiln.lane.dead.letters.failed")
			.description("Jobs marked FAILED because their message reached the dead-letter queue")
			.tag("lane", lane.wireName())
			.register(this.meters)
			.increment();
		logger.warn("Job {} exhausted its {} attempts in lane {}: FAILED", jobId, attempts, lane.wireName());
		return true;
	}

	private @Nullable String jobId(Message message) {
		try {
			return this.json.readValue(message.body(), JobMessage.class).jobId();
		}
		catch (JacksonException | IllegalArgumentException | NullPointerException ex) {
			logger.warn("Dead-letter message {} is not a job message: {}", message.messageId(), ex.getMessage());
			return null;
		}
	}

	private List<Message> receiveAll(String url) {
		List<Message> all = new ArrayList<>();
		for (List<Message> batch = receive(url); !batch.isEmpty() && all.size() < MAX_PER_SWEEP; batch = receive(url)) {
			all.addAll(batch);
		}
		return all;
	}

	private List<Message> receive(String url) {
		return this.sqs
			.receiveMessage((request) -> request.queueUrl(url)
				.maxNumberOfMessages(10)
				.waitTimeSeconds(0)
				.visibilityTimeout((int) HOLD.toSeconds())
				.messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP))
			.join()
			.messages();
	}

	/** Makes messages visible again at once. */
	private void release(String url, List<Message> messages) {
		for (int from = 0; from < messages.size(); from += 10) {
			List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
			List<Message> chunk = messages.subList(from, Math.min(messages.size(), from + 10));
			for (int i = 0; i < chunk.size(); i++) {
				entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
					.id(Integer.toString(i))
					.receiptHandle(chunk.get(i).receiptHandle())
					.visibilityTimeout(0)
					.build());
			}
			this.sqs.changeMessageVisibilityBatch((request) -> request.queueUrl(url).entries(entries)).join();
		}
	}

}
