package dev.kiln.queue.lane;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.support.queues.QueueUrls;

/**
 * The lanes' dead-letter queues as the {@link DeadLetters sweep} and the {@link Redrive redrive} read them: one lane
 * at a time (the two never overlap on a lane within this process), messages held for {@value #HOLD_SECONDS} s while
 * they are looked at and made visible again after, and the age of the oldest message the last sweep saw.
 */
@Component
class DeadLetterQueues {

	private static final Logger logger = LoggerFactory.getLogger(DeadLetterQueues.class);

	/** How long a sweep or redrive holds the messages it has read (they reappear if this process dies). */
	static final int HOLD_SECONDS = 60;

	/** Upper bound of messages read per lane and sweep. */
	private static final int MAX_PER_SWEEP = 10_000;

	private final SqsAsyncClient sqs;

	private final QueueUrls urls;

	private final JsonMapper json;

	private final Clock clock;

	private final Map<Lane, ReentrantLock> locks = new EnumMap<>(Lane.class);

	private final Map<Lane, OptionalLong> oldestSentMillis = new EnumMap<>(Lane.class);

	DeadLetterQueues(SqsAsyncClient sqs, QueueUrls urls, JsonMapper json, Clock clock) {
		this.sqs = sqs;
		this.urls = urls;
		this.json = json;
		this.clock = clock;
		for (Lane lane : Lane.values()) {
			this.locks.put(lane, new ReentrantLock());
			this.oldestSentMillis.put(lane, OptionalLong.empty());
		}
	}

	/**
	 * Runs {@code work} on the lane's dead-letter queue (its URL given), alone: no other sweep or redrive of that
	 * lane runs meanwhile in this process.
	 */
	<T> T locked(Lane lane, Function<String, T> work) {
		ReentrantLock lock = this.locks.get(lane);
		lock.lock();
		try {
			return work.apply(this.urls.deadLetters(lane).join());
		}
		finally {
			lock.unlock();
		}
	}

	/** Every message of the queue, up to {@value #MAX_PER_SWEEP}, held until {@link #release}d. */
	List<Message> receiveAll(String url) {
		List<Message> all = new ArrayList<>();
		for (List<Message> batch = receive(url); !batch.isEmpty() && all.size() < MAX_PER_SWEEP; batch = receive(url)) {
			all.addAll(batch);
		}
		return all;
	}

	/** Up to ten messages, held until {@link #release}d or deleted. */
	List<Message> receive(String url) {
		return this.sqs
			.receiveMessage((request) -> request.queueUrl(url)
				.maxNumberOfMessages(10)
				.waitTimeSeconds(0)
				.visibilityTimeout(HOLD_SECONDS)
				.messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP))
			.join()
			.messages();
	}

	/** Deletes a message. */
	void delete(String url, Message message) {
		this.sqs.deleteMessage((request) -> request.queueUrl(url).receiptHandle(message.receiptHandle())).join();
	}

	/** Makes messages visible again at once. */
	void release(String url, List<Message> messages) {
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

	/** The job a dead-letter message is about, {@code null} (logged) when its body is not a job message. */
	@Nullable String jobId(Message message) {
		try {
			return this.json.readValue(message.body(), JobMessage.class).jobId();
		}
		catch (JacksonException | IllegalArgumentException | NullPointerException ex) {
			logger.warn("Dead-letter message {} is not a job message: {}", message.messageId(), ex.getMessage());
			return null;
		}
	}

	/** Records the oldest of the messages a sweep of the lane saw (none: no age). */
	void seen(Lane lane, List<Message> messages) {
		this.oldestSentMillis.put(lane, messages.stream()
			.map((message) -> message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP))
			.filter((sent) -> sent != null)
			.mapToLong(Long::parseLong)
			.min());
	}

	/** Forgets the lane's oldest message: a redrive emptied its queue. */
	void emptied(Lane lane) {
		this.oldestSentMillis.put(lane, OptionalLong.empty());
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

}
