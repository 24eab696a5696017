package dev.kiln.worker.job;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.otel.bridge.OtelSpan;
import io.micrometer.tracing.propagation.Propagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import dev.kiln.contract.JobMessage;
import dev.kiln.support.tracing.JobSpanTag;

/**
 * The spans of the jobs in hand (TRACE-CONVENTIONS: issue 18). Each job message's spans are children of the trace
 * context its sender put in its {@code traceparent} attribute. A message without one still renders, in a new trace:
 * the job's first span ({@value #QUEUE_WAIT}) is its root and the job's other spans are its children.
 * <ul>
 * <li>{@value #QUEUE_WAIT}: from the message's {@code SentTimestamp} to its receipt;</li>
 * <li>{@value #RECEIVE}: from receipt until the job is cleared to render (claim, lease, checkpoint), or turned away;
 * events sent in that time (a duplicate, a cancellation, a refusal) carry its context;</li>
 * <li>{@value #RENDER}: one pass of the job in the model, with an event {@value #STEP} per step, then its outputs
 * ({@value OutputStore#S3_PUT} children) and its final event. A job rendered in a batch still gets its own span in its
 * own trace: the jobs of one forward pass each get a render span with the same timing and {@value #BATCH_SIZE} (no
 * shared batch span, so that no job's trace holds another tenant's job). A pass rendered again (split after running
 * out of memory or a refusal) is another render span.</li>
 * </ul>
 * Every span carries the tags every service puts on a job's spans ({@link JobSpanTag}): the job id, tenant, lane,
 * model and attempt. The span a job's events and log lines belong to is its <em>current</em> span, put in scope with
 * {@link #scope}: {@link #outgoing} reads it from there for {@link EventPublisher}, and Micrometer Tracing puts its
 * {@code traceId} and {@code spanId} in the logging MDC. Only the receive loop's thread calls this, one job after
 * another; the map is concurrent only so that a look-up from another thread is safe.
 */
@Component
@RequiredArgsConstructor
class JobSpans {

	static final String QUEUE_WAIT = "kiln.job.queue-wait";

	static final String RECEIVE = "kiln.job.receive";

	static final String RENDER = "kiln.job.render";

	static final String STEP = "step";

	static final String BATCH_SIZE = "kiln.batch.size";

	private static final AttributeKey<Long> STEP_NUMBER = AttributeKey.longKey("kiln.step");

	private final Tracer tracer;

	private final Propagator propagator;

	/** Each held message's current span, by message id. */
	private final Map<String, Span> current = new ConcurrentHashMap<>();

	/** The root of the trace the worker started for a message that carried none, by message id. */
	private final Map<String, TraceContext> roots = new ConcurrentHashMap<>();

	/**
	 * The W3C trace context of the span in scope on the calling thread (a job's current span, {@link #scope}) as SQS
	 * message attributes, written by Micrometer's {@code Propagator}: {@code traceparent}, and {@code tracestate} when
	 * not empty; none without a span in scope. What a job message brought in ({@link MessageTrace}) goes out with its
	 * events this way.
	 * @return the attributes
	 */
	Map<String, MessageAttributeValue> outgoing() {
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

	/**
	 * A readable job message is taken up: records its {@value #QUEUE_WAIT} span (when SQS gave its SentTimestamp) and
	 * starts its {@value #RECEIVE} span, from its receipt, as its current span.
	 * @param message the message
	 * @param job its job
	 */
	void received(HeldMessage message, JobMessage job) {
		MessageTrace trace = message.trace();
		if (trace.sentAt() != null && !trace.sentAt().isAfter(trace.receivedAt())) {
			Span wait = started(message, job(child(message).name(QUEUE_WAIT), job, message)
				.startTimestamp(micros(trace.sentAt()), TimeUnit.MICROSECONDS));
			wait.end(micros(trace.receivedAt()), TimeUnit.MICROSECONDS);
		}
		Span receive = started(message, job(child(message).name(RECEIVE), job, message)
			.startTimestamp(micros(trace.receivedAt()), TimeUnit.MICROSECONDS));
		this.current.put(message.messageId(), receive);
	}

	/** The job is cleared to render or turned away: its {@value #RECEIVE} span ends (and stays its current one). */
	void admitted(HeldMessage message) {
		Span span = this.current.get(message.messageId());
		if (span != null) {
			span.end();
		}
	}

	/**
	 * Starts the {@value #RENDER} span of each job of a forward pass and makes it the job's current span.
	 * @param messages the messages of the pass, with their jobs
	 * @param model the model that renders them
	 * @return the spans, in the same order
	 */
	List<Span> render(List<HeldMessage> messages, String model) {
		long start = micros(Instant.now());
		return messages.stream().map((message) -> {
			Span span = started(message, job(child(message).name(RENDER), message.requireJob(), message)
				.tag(JobSpanTag.MODEL.key(), model)
				.tag(BATCH_SIZE, messages.size())
				.startTimestamp(start, TimeUnit.MICROSECONDS));
			this.current.put(message.messageId(), span);
			return span;
		}).toList();
	}

	/** Adds the event {@value #STEP}, with the step number as {@code kiln.step}, to each span. */
	static void step(List<Span> spans, int step) {
		for (Span span : spans) {
			if (!span.isNoop()) {
				OtelSpan.toOtel(span).addEvent(STEP, Attributes.of(STEP_NUMBER, (long) step));
			}
		}
	}

	/** Ends a pass's render spans; with a failure that was not a stop (drain, cancellation), marks them failed. */
	static void end(List<Span> spans, @Nullable Throwable failure) {
		for (Span span : spans) {
			if (failure != null && !(failure instanceof StopRender)) {
				span.error(failure);
			}
			span.end();
		}
	}

	/**
	 * Puts a message's current span in scope: the events sent and the lines logged meanwhile belong to it.
	 * @param message the message
	 * @return the scope to close; a scope without a span when the message has none
	 */
	Tracer.SpanInScope scope(HeldMessage message) {
		return this.tracer.withSpan(this.current.get(message.messageId()));
	}

	/**
	 * The trace id of a message's current span.
	 * @param message the message
	 * @return the id, or {@code null} when it has no span (or tracing is off)
	 */
	@Nullable String traceId(HeldMessage message) {
		Span span = this.current.get(message.messageId());
		return (span != null && !span.isNoop()) ? span.context().traceId() : null;
	}

	/** The message is deleted, handed back or left: forgets its spans. */
	void forget(HeldMessage message) {
		this.current.remove(message.messageId());
		this.roots.remove(message.messageId());
	}

	/**
	 * A span builder whose parent is the message's trace context; when it carried none, the root of the trace started
	 * for it, or no parent at all for its first span.
	 */
	private Span.Builder child(HeldMessage message) {
		if (!message.trace().headers().isEmpty()) {
			return this.propagator.extract(message.trace().headers(), Map::get);
		}
		TraceContext root = this.roots.get(message.messageId());
		return (root != null) ? this.tracer.spanBuilder().setParent(root) : this.tracer.spanBuilder().setNoParent();
	}

	/** Starts the span; the first span of a message that carried no trace context is the root of the job's trace. */
	private Span started(HeldMessage message, Span.Builder builder) {
		Span span = builder.start();
		if (message.trace().headers().isEmpty() && !span.isNoop()) {
			this.roots.putIfAbsent(message.messageId(), span.context());
		}
		return span;
	}

	private static Span.Builder job(Span.Builder span, JobMessage job, HeldMessage message) {
		return span.tag(JobSpanTag.JOB_ID.key(), job.jobId())
			.tag(JobSpanTag.TENANT.key(), job.tenant())
			.tag(JobSpanTag.LANE.key(), job.lane().wireName())
			.tag(JobSpanTag.MODEL.key(), job.model())
			.tag(JobSpanTag.ATTEMPT.key(), message.attempt());
	}

	private static long micros(Instant instant) {
		return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + instant.getNano() / 1_000;
	}

}
