package dev.kiln.worker.job;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import lombok.RequiredArgsConstructor;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.support.queues.QueueUrls;

/**
 * Sends job events to the events queue: the event's JSON as the message body and, when a span is in scope (the job's
 * current span, {@link JobSpans#scope}), its W3C trace context as the message attributes {@code traceparent} (and
 * {@code tracestate} when not empty), written by {@link JobSpans#outgoing}; nothing else. A plain
 * {@code SendMessage} on the SDK's client: the queue service reads the body and those attributes only, so the headers
 * Spring's {@code SqsTemplate} adds (message attributes the SDK and the server each hash) would be work on the path of
 * every {@code SUCCEEDED} for nothing (BENCHMARKS.md, "Overhead ÷ floor").
 */
@Component
@RequiredArgsConstructor
class EventPublisher {

	/** Longest wait for SQS to take an event, so that an unanswered call cannot hold a job. */
	private static final long CALL_TIMEOUT_SECONDS = 10;

	private final SqsAsyncClient sqs;

	private final JsonMapper json;

	private final QueueUrls urls;

	private final JobSpans spans;

	/** Sends the event, with the trace context of the span in scope, and returns once SQS has it. */
	void publish(JobEvent event) {
		try {
			publishAsync(event).join();
		}
		catch (CompletionException ex) {
			throw (ex.getCause() instanceof RuntimeException cause) ? cause : ex;
		}
	}

	/**
	 * Starts sending the event, with the trace context of the span in scope on the calling thread.
	 * @return completes once SQS has it, or with the reason it did not take it
	 */
	CompletableFuture<?> publishAsync(JobEvent event) {
		String body = this.json.writeValueAsString(event);
		Map<String, MessageAttributeValue> attributes = this.spans.outgoing();
		return this.urls.events()
			.thenCompose((queueUrl) -> this.sqs
				.sendMessage((request) -> request.queueUrl(queueUrl).messageBody(body).messageAttributes(attributes)))
			.orTimeout(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
	}

}
