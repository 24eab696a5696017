package dev.kiln.queue.tracing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import dev.kiln.contract.JobFields;
import dev.kiln.jobstore.JobRecord;

/**
 * Carries a job's W3C trace context ({@code traceparent}, {@code tracestate}) between the queue service's spans, SQS
 * message attributes (String attributes named like the W3C headers), the job record ({@link JobFields#TRACEPARENT})
 * and HTTP headers, always through Micrometer's {@link Propagator}: nothing parses the headers by hand. Without
 * tracing (no {@link Tracer} bean) every span is a no-op and nothing is carried.
 */
@Component
public class JobTraces {

	/** The message attributes a receiver must ask SQS for to continue a job's trace. */
	public static final List<String> MESSAGE_ATTRIBUTES = List.of("traceparent", "tracestate");

	private final Tracer tracer;

	private final Propagator propagator;

	@Autowired
	JobTraces(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
		this(tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
	}

	/**
	 * Job traces over the given tracer.
	 * @param tracer the tracer
	 * @param propagator its propagator
	 */
	public JobTraces(Tracer tracer, Propagator propagator) {
		this.tracer = tracer;
		this.propagator = propagator;
	}

	/** The tracer, to put a span in scope. */
	public Tracer tracer() {
		return this.tracer;
	}

	/**
	 * A span continuing the trace a message's attributes carry; a new trace when they carry none.
	 * @param name span name
	 * @param attributes the SQS message's attributes
	 * @return the span, not started
	 */
	public Span.Builder fromMessage(String name, Map<String, MessageAttributeValue> attributes) {
		return this.propagator
			.extract(attributes, (carrier, key) -> (carrier.get(key) != null) ? carrier.get(key).stringValue() : null)
			.name(name);
	}

	/**
	 * A span continuing the trace of a job's record (its {@link JobFields#TRACEPARENT} field); a new trace when the
	 * record has none, or there is no record.
	 * @param name span name
	 * @param job the job's record, or {@code null}
	 * @return the span, not started
	 */
	public Span.Builder fromRecord(String name, @Nullable JobRecord job) {
		String traceparent = traceparent(job);
		Map<String, String> carrier = (traceparent != null) ? Map.of(JobFields.TRACEPARENT, traceparent) : Map.of();
		return this.propagator.extract(carrier, Map::get).name(name);
	}

	/**
	 * The W3C headers of a span's context, for an HTTP request or a message.
	 * @param context the span's context
	 * @return {@code traceparent} (and {@code tracestate} when there is one); empty without tracing
	 */
	public Map<String, String> headers(TraceContext context) {
		Map<String, String> headers = new LinkedHashMap<>();
		this.propagator.inject(context, headers, Map::put);
		headers.values().removeIf(String::isEmpty);
		return headers;
	}

	/**
	 * The attributes a job message re-sent on the job's behalf (outbox relay, dead-letter redrive) carries: the
	 * context recorded with the job (the gateway's {@code kiln.job.enqueue} span, as its propagator wrote it), so
	 * the worker's spans join the job's trace as children of the enqueue span, as they do for the first send.
	 * @param job the job's record, or {@code null}
	 * @return the attributes; empty when there is no record or it has no trace context
	 */
	public static Map<String, MessageAttributeValue> messageAttributes(@Nullable JobRecord job) {
		String traceparent = traceparent(job);
		if (traceparent == null) {
			return Map.of();
		}
		return Map.of(JobFields.TRACEPARENT,
				MessageAttributeValue.builder().dataType("String").stringValue(traceparent).build());
	}

	/** The record's trace context (a field the typed record keeps among its others), {@code null} when it has none. */
	private static @Nullable String traceparent(@Nullable JobRecord job) {
		String traceparent = (job != null) ? job.others().get(JobFields.TRACEPARENT) : null;
		return (traceparent != null && !traceparent.isEmpty()) ? traceparent : null;
	}

}
