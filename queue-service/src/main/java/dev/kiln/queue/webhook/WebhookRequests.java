package dev.kiln.queue.webhook;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.micrometer.tracing.Span;
import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.jobstore.JobRecord;
import dev.kiln.queue.tracing.JobTraces;

/**
 * What a webhook delivery sends, apart from when and how often ({@link WebhookDispatcher}): the event body, built once
 * from the delivery and the job's record, and each attempt's POST, signed anew ({@value WebhookSignature#HEADER},
 * per-tenant secret), carrying the delivery span's W3C {@code traceparent}, through a {@link WebhookSender} that checks
 * the callback URL against the shared callback policy and connects only to the addresses it checked.
 */
@Component
@RequiredArgsConstructor
class WebhookRequests {

	private static final Set<String> TERMINAL_EVENTS = Set.of("job.succeeded", "job.failed", "job.cancelled");

	private final JsonMapper json;

	private final WebhookSecrets secrets;

	private final JobTraces traces;

	private final Clock clock;

	private final WebhookSender sender;

	/** Whether an event type is one of a job's terminal events (its delivery's outcome is recorded on the job). */
	static boolean isTerminal(@Nullable String event) {
		return event != null && TERMINAL_EVENTS.contains(event);
	}

	/**
	 * The event as sent: the delivery's own fields and, from the job's record as it is when the body is first built,
	 * lane, attempt, metadata and, for a terminal event, the outcome; those are {@code null} once the record is gone.
	 */
	String body(String id, Map<String, String> delivery, @Nullable JobRecord job) {
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("jobId", delivery.getOrDefault("jobId", ""));
		data.put("state", delivery.get("state"));
		data.put("lane", (job != null && job.lane() != null) ? job.lane().wireName() : null);
		data.put("step", integer(delivery.get("step")));
		data.put("totalSteps", integer(delivery.get("totalSteps")));
		data.put("attempt", (job != null) ? job.attempt() : null);
		if (isTerminal(delivery.get("event"))) {
			data.put("outputs", (job != null) ? parse(job.outputs()) : null);
			data.put("errorType", (job != null) ? job.errorType() : null);
			data.put("errorDetail", (job != null) ? job.errorDetail() : null);
			data.put("submittedAt", (job != null) ? Objects.toString(job.submittedAt(), null) : null);
			data.put("finishedAt", (job != null) ? Objects.toString(job.finishedAt(), null) : null);
		}
		data.put("metadata", (job != null) ? parse(job.metadata()) : null);
		Map<String, Object> event = new LinkedHashMap<>();
		event.put("id", id);
		event.put("type", delivery.get("event"));
		event.put("createdAt", delivery.get("at"));
		event.put("data", data);
		return this.json.writeValueAsString(event);
	}

	/** One attempt: signs the body for the tenant and POSTs it, with the span's trace context. */
	WebhookSender.Outcome post(String url, String id, String tenant, String body, Span span) {
		long t = this.clock.instant().getEpochSecond();
		// the W3C traceparent of the delivery span, so a traced receiver continues the job's trace
		Map<String, String> headers = new LinkedHashMap<>(this.traces.headers(span.context()));
		headers.put(WebhookSignature.HEADER, WebhookSignature.header(this.secrets.secret(tenant), t, body));
		headers.put("Kiln-Delivery", id);
		headers.put("User-Agent", "Kiln-Webhooks/1");
		return this.sender.post(url, headers, body);
	}

	private @Nullable Object parse(@Nullable String jsonText) {
		if (jsonText == null || jsonText.isBlank()) {
			return null;
		}
		try {
			return this.json.readTree(jsonText);
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static @Nullable Integer integer(@Nullable String value) {
		try {
			return (value != null) ? Integer.valueOf(value) : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
