package dev.kiln.worker.job;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.QueueNames;
import dev.kiln.worker.WorkerProperties;

/**
 * Sends job events to the events queue: the event's JSON as the message body and, when a span is in scope (the job's
 * current span, {@link JobSpans#scope}), its W3C trace context as the message attributes {@code traceparent} (and
 * {@code tracestate} when not empty), written by Micrometer's {@code Propagator}; nothing else. A plain
 * {@code SendMessage} on the SDK's client: the queue service reads the body and those attributes only, so the headers
 * Spring's {@code SqsTemplate} adds (message attributes the SDK and the server each hash) would be work on the path of
 * every {@code SUCCEEDED} for nothing (BENCHMARKS.md, "Overhead ÷ floor").
 */
@Component
class EventPublisher {

	/** Longest wait for SQS to take an event, so that an unanswered call cannot hold a job. */
	private static final long CALL_TIMEOUT_SECONDS = 10;

	private final SqsAsyncClient sqs;

	private final JsonMapper json;

	private final String queue;

	private final Tracer tracer;

	private final Propagator propagator;

	private volatile CompletableFuture<String> url;

	EventPublisher(SqsAsyncClient sqs, JsonMapper json, Tracer tracer, Propagator propagator,
			WorkerProperties properties) {
		this.sqs = sqs;
		this.json = json;
		this.tracer = tracer;
		this.propagator = propagator;
		this.queue = new QueueNames(properties.queues().prefix()).events();
	}

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
		Map<String, MessageAttributeValue> attributes = traceContext();
		return url().thenCompose((queueUrl) -> this.sqs.sendMessage((request) -> request.queueUrl(queueUrl)
			.messageBody(body)
			.messageAttributes(attributes))).orTimeout(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
	}

	/** The W3C trace context of the span in scope as message attributes; none without one. */
	private Map<String, MessageAttributeValue> traceContext() {
		Span span = this.tracer.currentSpan();
		if (span == null || span.isNoop()) {
			return Map.of();
		}
		Map<String, MessageAttributeValue> attributes = new HashMap<>(4);
		this.propagator.inject(span.context(), attributes, (carrier, key, value) -> {
			if (carrier != null && value != null && !value.isEmpty()) {
				carrier.put(key, MessageAttributeValue.builder().dataType("String").stringValue(value).build());
			}
		});
		return attributes;
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
