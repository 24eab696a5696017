package dev.kiln.worker.job;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.QueueNames;
import dev.kiln.worker.WorkerProperties;

/**
 * Sends job events to the events queue: the event's JSON as the message body, nothing else. A plain
 * {@code SendMessage} on the SDK's client: the queue service reads the body only, so the headers Spring's
 * {@code SqsTemplate} adds (message attributes the SDK and the server each hash) would be work on the path of every
 * {@code SUCCEEDED} for nothing (BENCHMARKS.md, "Overhead ÷ floor").
 */
@Component
class EventPublisher {

	/** Longest wait for SQS to take an event, so that an unanswered call cannot hold a job. */
	private static final long CALL_TIMEOUT_SECONDS = 10;

	private final SqsAsyncClient sqs;

	private final JsonMapper json;

	private final String queue;

	private volatile CompletableFuture<String> url;

	EventPublisher(SqsAsyncClient sqs, JsonMapper json, WorkerProperties properties) {
		this.sqs = sqs;
		this.json = json;
		this.queue = new QueueNames(properties.queues().prefix()).events();
	}

	/** Sends the event and returns once SQS has it. */
	void publish(JobEvent event) {
		try {
			publishAsync(event).join();
		}
		catch (CompletionException ex) {
			throw (ex.getCause() instanceof RuntimeException cause) ? cause : ex;
		}
	}

	/**
	 * Starts sending the event.
	 * @return completes once SQS has it, or with the reason it did not take it
	 */
	CompletableFuture<?> publishAsync(JobEvent event) {
		String body = this.json.writeValueAsString(event);
		return url().thenCompose((queueUrl) -> this.sqs.sendMessage((request) -> request.queueUrl(queueUrl)
			.messageBody(body))).orTimeout(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
	}

	/** The events queue's URL, looked up once; a failed look-up is tried again on the next event. */
	private CompletableFuture<String> url() {
		CompletableFuture<String> current = this.url;
		if (current == null || current.isCompletedExceptionally()) {
			synchronized (this) {
				current = this.url;
				if (current == null || current.isCompletedExceptionally()) {
					current = this.sqs.getQueueUrl((request) -> request.queueName(this.queue))
						.thenApply((response) -> response.queueUrl());
					this.url = current;
				}
			}
		}
		return current;
	}

}
