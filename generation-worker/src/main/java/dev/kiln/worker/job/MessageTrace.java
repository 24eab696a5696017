package dev.kiln.worker.job;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What a job message brought for tracing: the W3C trace context its sender put in message attributes (read by
 * {@link JobSpans} with Micrometer's {@code Propagator}, never parsed here), when SQS took it (its
 * {@code SentTimestamp}) and when this worker received it.
 *
 * @param headers the message attributes {@code traceparent} and {@code tracestate} it carried; empty when none
 * @param sentAt the message's {@code SentTimestamp}, or {@code null} when SQS did not give it
 * @param receivedAt when this worker received it
 */
record MessageTrace(Map<String, String> headers, @Nullable Instant sentAt, Instant receivedAt) {

	/** The message attributes that carry W3C trace context (https://www.w3.org/TR/trace-context/). */
	static final List<String> ATTRIBUTES = List.of("traceparent", "tracestate");

	MessageTrace {
		headers = Map.copyOf(headers);
	}

	/**
	 * Reads a received message.
	 * @param message the message as SQS returned it
	 * @param receivedAt when it was received
	 * @return what it brought for tracing
	 */
	static MessageTrace of(Message message, Instant receivedAt) {
		Map<String, String> headers = new LinkedHashMap<>();
		for (String name : ATTRIBUTES) {
			MessageAttributeValue value = message.messageAttributes().get(name);
			if (value != null && value.stringValue() != null && !value.stringValue().isEmpty()) {
				headers.put(name, value.stringValue());
			}
		}
		return new MessageTrace(headers, sentAt(message), receivedAt);
	}

	/** Nothing for tracing: a message read without its attributes (tests). */
	static MessageTrace none() {
		return new MessageTrace(Map.of(), null, Instant.now());
	}

	private static @Nullable Instant sentAt(Message message) {
		String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
		try {
			return (sent != null) ? Instant.ofEpochMilli(Long.parseLong(sent)) : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
