package dev.kiln.queue.lifecycle;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.core.JacksonException;

import dev.kiln.contract.JobEvent;
import dev.kiln.queue.PeriodicWork;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.queue.tracing.JobTraces;
import dev.kiln.support.metrics.Meters;
import dev.kiln.support.queues.QueueUrls;

/**
 * Applies again the worker events that ended in the events dead-letter queue.
 * <p>
 * An event lands there when it could not be applied {@code maxReceiveCount} times in a row, in practice because Redis
 * was away for longer than {@code maxReceiveCount} × the events queue's visibility timeout. Losing it would leave its
 * job stuck: a lost {@code SUCCEEDED} keeps the job {@code RUNNING} although the worker deleted its message. Every
 * {@code kiln.lanes.dead-letter-interval} this sweep reads the events dead-letter queue and applies each event through
 * the state machine, which ignores duplicates, late and stale events, so applying one again is always safe; applied
 * events are deleted. Each is applied as the events listener applies it ({@link JobEventListener#apply}), in a span of
 * the trace its message carries. An event that cannot be read stays there for an operator
 * ({@code kiln_events_dead_letters_unreadable_total}).
 */
@Component
class EventDeadLetters implements PeriodicWork {

	private static final Logger logger = LoggerFactory.getLogger(EventDeadLetters.class);

	private static final int MAX_PER_SWEEP = 1000;

	private final SqsAsyncClient sqs;

	private final QueueUrls urls;

	private final JobEventListener events;

	private final Duration interval;

	private final Counter reapplied;

	private final Counter unreadable;

	EventDeadLetters(SqsAsyncClient sqs, QueueUrls urls, JobEventListener events, MeterRegistry meters,
			QueueServiceProperties properties) {
		this.sqs = sqs;
		this.urls = urls;
		this.events = events;
		this.interval = properties.lanes().deadLetterInterval();
		this.reapplied = Meters.counter(meters, "kiln.events.dead-letters.reapplied",
				"Worker events taken from the events dead-letter queue and applied again");
		this.unreadable = Meters.counter(meters, "kiln.events.dead-letters.unreadable",
				"Messages in the events dead-letter queue that are not readable events (left there)");
	}

	@Override
	public Schedule schedule() {
		return Schedule.every("Events dead-letter sweep", this.interval);
	}

	@Override
	public void runRound() {
		sweep();
	}

	/**
	 * Applies the events in the events dead-letter queue, up to 1,000 per call.
	 * @return the events applied and deleted
	 */
	int sweep() {
		String queue = this.urls.eventsDeadLetters().join();
		int applied = 0;
		int seen = 0;
		while (seen < MAX_PER_SWEEP) {
			List<Message> batch = this.sqs
				.receiveMessage((request) -> request.queueUrl(queue)
					.maxNumberOfMessages(10)
					.waitTimeSeconds(0)
					.visibilityTimeout((int) Math.max(30, this.interval.toSeconds() * 2))
					.messageAttributeNames(JobTraces.MESSAGE_ATTRIBUTES))
				.join()
				.messages();
			if (batch.isEmpty()) {
				break;
			}
			seen += batch.size();
			for (Message message : batch) {
				if (reapply(queue, message)) {
					applied++;
				}
			}
		}
		return applied;
	}

	private boolean reapply(String queue, Message message) {
		JobEventListener.Applied applied;
		try {
			// a failure to apply (Redis away again) leaves the message; it becomes visible for the next sweep
			applied = this.events.apply(message.body(), message.messageAttributes());
		}
		catch (JacksonException ex) {
			this.unreadable.increment();
			logger.warn("Message {} in {} is not a readable job event; left for an operator: {}",
					message.messageId(), this.urls.names().eventsDeadLetters(), ex.getOriginalMessage());
			return false;
		}
		this.sqs.deleteMessage((request) -> request.queueUrl(queue).receiptHandle(message.receiptHandle())).join();
		this.reapplied.increment();
		JobEvent event = applied.event();
		logger.warn("Job {} event {} (attempt {}) came back from the events dead-letter queue: {}", event.jobId(),
				event.type(), event.attempt(), applied.outcome());
		return true;
	}

}
