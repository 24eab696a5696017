package dev.kiln.queue.lifecycle;

import java.util.Map;

import io.awspring.cloud.sqs.annotation.SqsListener;
import io.awspring.cloud.sqs.listener.SqsHeaders;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import lombok.RequiredArgsConstructor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.messaging.Message;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobLogContext;
import dev.kiln.jobstore.Transition;
import dev.kiln.queue.tracing.JobTraces;
import dev.kiln.support.tracing.JobSpanTag;

/**
 * Consumes the events queue. A message is deleted only after its event is applied; one that cannot be read or
 * applied is delivered again and, after the queue's maxReceiveCount, lands in the events dead-letter queue.
 * <p>
 * Each event is applied in a {@code kiln.job.transition} span that continues the trace the event message carries in
 * its {@code traceparent} attribute (the worker's render span), tagged with the job id, the event and the transition
 * ({@code kiln.job.from}, {@code kiln.job.to}; {@code kiln.job.ignored} with the reason for an event that changed
 * nothing). The listener container asks SQS for all message attributes (Spring Cloud AWS's default, {@code All}),
 * which includes {@link JobTraces#MESSAGE_ATTRIBUTES}.
 */
@Component
@RequiredArgsConstructor
class JobEventListener {

	private static final Logger logger = LoggerFactory.getLogger(JobEventListener.class);

	private final JobStateMachine stateMachine;

	private final JsonMapper json;

	private final JobTraces traces;

	@SqsListener(queueNames = "#{@kilnQueueUrls.names().events()}", id = "job-events")
	void onEvent(Message<String> message) {
		software.amazon.awssdk.services.sqs.model.Message source = message.getHeaders()
			.get(SqsHeaders.SQS_SOURCE_DATA_HEADER, software.amazon.awssdk.services.sqs.model.Message.class);
		Map<String, MessageAttributeValue> attributes = (source != null) ? source.messageAttributes() : Map.of();
		apply(message.getPayload(), attributes);
	}

	/**
	 * Applies one event message: the events queue's, and again the events dead-letter queue's.
	 * @param body the message body, a {@link JobEvent}
	 * @param attributes the message's attributes, which may carry the job's trace context
	 * @return the event and what applying it did
	 * @throws tools.jackson.core.JacksonException when the body is not a readable event (nothing is applied)
	 */
	Applied apply(String body, Map<String, MessageAttributeValue> attributes) {
		JobEvent event = this.json.readValue(body, JobEvent.class);
		Span span = this.traces.fromMessage("kiln.job.transition", attributes)
			.tag(JobSpanTag.JOB_ID.key(), event.jobId())
			.tag("kiln.job.event", event.type().name())
			.start();
		// the job id (and, from the span, the trace id) on every line logged while the event is applied (events
		// carry no tenant or lane)
		try (Tracer.SpanInScope inScope = this.traces.tracer().withSpan(span);
				JobLogContext.Scope scope = JobLogContext.of(event.jobId(), null, null)) {
			Transition outcome = this.stateMachine.apply(event);
			if (outcome instanceof Transition.Moved moved) {
				span.tag("kiln.job.from", moved.from().name()).tag("kiln.job.to", moved.to().name());
			}
			else if (outcome instanceof Transition.Ignored ignored) {
				span.tag("kiln.job.ignored", ignored.reason());
			}
			logger.debug("Job {} event {} (attempt {}): {}", event.jobId(), event.type(), event.attempt(), outcome);
			return new Applied(event, outcome);
		}
		catch (RuntimeException ex) {
			span.error(ex);
			throw ex;
		}
		finally {
			span.end();
		}
	}

	/**
	 * An event applied.
	 *
	 * @param event the event read from the message
	 * @param outcome what the state machine did with it
	 */
	record Applied(JobEvent event, Transition outcome) {
	}

}
