package dev.kiln.worker.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import lombok.RequiredArgsConstructor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.support.queues.QueueUrls;

/**
 * The lanes' jobs queues, spoken to directly: receive a few messages from one lane (long poll), delete one, change one's
 * visibility. Queue URLs come from the shared {@link QueueUrls} (looked up on first use and kept). A receive asks for
 * the message attributes that carry trace context ({@link MessageTrace#ATTRIBUTES}) and the {@code SentTimestamp} the
 * queue-wait span starts at.
 */
@Component
@RequiredArgsConstructor
class JobQueues {

	private static final Logger logger = LoggerFactory.getLogger(JobQueues.class);

	/** Longest wait for SQS beyond a long poll, so that an unanswered call cannot hold the loop (or a drain). */
	private static final long CALL_TIMEOUT_SECONDS = 10;

	private final SqsAsyncClient sqs;

	private final JsonMapper json;

	private final QueueUrls urls;

	/**
	 * Receives up to {@code max} messages from a lane's queue.
	 * @param lane the lane
	 * @param max at most this many, 1 to 10
	 * @param wait how long to wait for the first one (whole seconds, up to 20)
	 * @return the messages, read; an unreadable body gives a message without a job
	 */
	List<HeldMessage> receive(Lane lane, int max, Duration wait) {
		return receiveAsync(lane, max, wait).join();
	}

	/**
	 * Starts receiving up to {@code max} messages from a lane's queue; see {@link #receive}.
	 * @param lane the lane
	 * @param max at most this many, 1 to 10
	 * @param wait how long to wait for the first one (whole seconds, up to 20)
	 * @return the messages once SQS answered (or the call failed or timed out)
	 */
	CompletableFuture<List<HeldMessage>> receiveAsync(Lane lane, int max, Duration wait) {
		return this.urls.jobs(lane)
			.thenCompose((url) -> this.sqs
				.receiveMessage((request) -> request.queueUrl(url)
					.maxNumberOfMessages(max)
					.waitTimeSeconds((int) wait.toSeconds())
					.messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
							MessageSystemAttributeName.SENT_TIMESTAMP)
					.messageAttributeNames(MessageTrace.ATTRIBUTES))
				.thenApply((response) -> held(lane, url, response.messages())))
			.orTimeout(wait.toSeconds() + CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
	}

	/** The messages of one receive from the lane's queue at {@code url}, read. */
	private List<HeldMessage> held(Lane lane, String url, List<Message> messages) {
		long now = System.nanoTime();
		Instant receivedAt = Instant.now();
		List<HeldMessage> held = new ArrayList<>(messages.size());
		for (Message message : messages) {
			held.add(new HeldMessage(lane, url, message.messageId(), message.receiptHandle(), now, attempt(message),
					message.body(), read(message), MessageTrace.of(message, receivedAt)));
		}
		return held;
	}

	/** Deletes a message: the job is done with. */
	void delete(HeldMessage message) {
		this.sqs.deleteMessage((request) -> request.queueUrl(message.queueUrl()).receiptHandle(message.receiptHandle()))
			.orTimeout(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
			.join();
	}

	/**
	 * Sets a held message's visibility timeout: 0 hands it back at once.
	 * @param message the message
	 * @param seconds the new timeout from now, 0 to 43200
	 */
	void changeVisibility(HeldMessage message, int seconds) {
		this.sqs
			.changeMessageVisibility((request) -> request.queueUrl(message.queueUrl())
				.receiptHandle(message.receiptHandle())
				.visibilityTimeout(seconds))
			.orTimeout(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
			.join();
	}

	private @org.jspecify.annotations.Nullable JobMessage read(Message message) {
		try {
			return this.json.readValue(message.body(), JobMessage.class);
		}
		catch (JacksonException | IllegalArgumentException ex) {
			logger.error("Unreadable job message {}: {}", message.messageId(), ex.getMessage());
			return null;
		}
	}

	private static int attempt(Message message) {
		String count = message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
		try {
			return (count != null) ? Math.max(1, Integer.parseInt(count)) : 1;
		}
		catch (NumberFormatException ex) {
			return 1;
		}
	}

}
