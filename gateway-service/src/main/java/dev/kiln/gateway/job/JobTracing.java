package dev.kiln.gateway.job;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.support.tracing.JobSpanTag;

/**
 * The gateway's part of a job's trace. A submission runs in a {@code kiln.job.submit} span (a child of the HTTP server
 * span of {@code POST /v1/jobs}); recording and sending the job is its child {@code kiln.job.enqueue}. The W3C
 * context of {@code kiln.job.enqueue}, written by Micrometer's {@link Propagator}, goes both into the job's record
 * ({@link JobFields#TRACEPARENT}, {@link JobFields#TRACE_ID}) and into the job message's attributes, so the worker,
 * the queue service's state machine and its webhook deliveries continue the same trace. The spans carry
 * the {@link JobSpanTag}s {@code kiln.job.id}, {@code kiln.tenant}, {@code kiln.lane} and {@code kiln.model}.
 */
@Component
class JobTracing {

	private final Tracer tracer;

	private final Propagator propagator;

	@Autowired
	JobTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
		this(tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
	}

	JobTracing(Tracer tracer, Propagator propagator) {
		this.tracer = tracer;
		this.propagator = propagator;
	}

	/**
	 * Runs a submission in a {@code kiln.job.submit} span and ends it, and the enqueue span the submission started,
	 * when the submission returns or throws.
	 * @param submission the submission, given its {@link Trace}
	 * @return what the submission returned
	 */
	<T> T submit(Function<Trace, T> submission) {
		Span span = this.tracer.nextSpan().name("kiln.job.submit").start();
		Trace trace = new Trace(span);
		try (Tracer.SpanInScope scope = this.tracer.withSpan(span)) {
			return submission.apply(trace);
		}
		catch (RuntimeException | Error ex) {
			span.error(ex);
			throw ex;
		}
		finally {
			trace.end();
		}
	}

	private static Span tag(Span span, JobMessage job) {
		return span.tag(JobSpanTag.JOB_ID.key(), job.jobId())
			.tag(JobSpanTag.TENANT.key(), job.tenant())
			.tag(JobSpanTag.LANE.key(), job.lane().wireName())
			.tag(JobSpanTag.MODEL.key(), job.model());
	}

	/** The spans of one submission. */
	final class Trace {

		private final Span submit;

		private @Nullable Span enqueue;

		private Map<String, String> context = Map.of();

		private Trace(Span submit) {
			this.submit = submit;
		}

		/**
		 * Starts {@code kiln.job.enqueue} for the job about to be recorded and sent, and tags both spans with the job.
		 * @param job the job
		 * @return the fields to record with the job: its {@code traceparent} and {@code traceId} (none without
		 * tracing)
		 */
		Map<String, String> enqueue(JobMessage job) {
			tag(this.submit, job);
			Span span = tag(JobTracing.this.tracer.spanBuilder()
				.setParent(this.submit.context())
				.name("kiln.job.enqueue")
				.start(), job);
			this.enqueue = span;
			Map<String, String> carrier = new LinkedHashMap<>();
			JobTracing.this.propagator.inject(span.context(), carrier, Map::put);
			carrier.values().removeIf(String::isEmpty);
			this.context = Collections.unmodifiableMap(carrier);
			Map<String, String> fields = new LinkedHashMap<>();
			String traceparent = carrier.get(JobFields.TRACEPARENT);
			if (traceparent != null) {
				fields.put(JobFields.TRACEPARENT, traceparent);
				fields.put(JobFields.TRACE_ID, span.context().traceId());
			}
			return fields;
		}

		/**
		 * The W3C context of the enqueue span as the job message's attributes carry it ({@code traceparent}, and
		 * {@code tracestate} when there is one); empty before {@link #enqueue} and without tracing.
		 */
		Map<String, String> messageContext() {
			return this.context;
		}

		/** The trace id, or {@code null} without tracing. */
		@Nullable String traceId() {
			String id = this.submit.context().traceId();
			return (id == null || id.isEmpty() || this.context.isEmpty()) ? null : id;
		}

		/**
		 * Marks the enqueue span failed.
		 * @param failure why the send failed
		 */
		void failed(Throwable failure) {
			if (this.enqueue != null) {
				this.enqueue.error(failure);
			}
		}

		private void end() {
			if (this.enqueue != null) {
				this.enqueue.end();
			}
			this.submit.end();
		}

	}

}
