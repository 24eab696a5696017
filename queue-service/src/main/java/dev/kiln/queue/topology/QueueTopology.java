package dev.kiln.queue.topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.queue.QueueServiceProperties;

/**
 * The queues Kiln needs and their attributes, derived from configuration. Dead-letter queues come before the queues
 * that redrive into them.
 */
public final class QueueTopology {

	/** SQS's longest message retention, used for dead-letter queues so nothing expires before it is looked at. */
	static final long DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

	private final QueueNames names;

	private final QueueServiceProperties.Queues settings;

	public QueueTopology(QueueServiceProperties.Queues settings) {
		this.names = new QueueNames(settings.prefix());
		this.settings = settings;
	}

	/** Every queue, dead-letter queues first. */
	public List<Queue> queues() {
		List<Queue> queues = new ArrayList<>();
		for (Lane lane : Lane.values()) {
			queues.add(deadLetterQueue(this.names.deadLetters(lane)));
			queues.add(workQueue(this.names.jobs(lane), this.names.deadLetters(lane)));
		}
		queues.add(deadLetterQueue(this.names.eventsDeadLetters()));
		queues.add(workQueue(this.names.events(), this.names.eventsDeadLetters()));
		return queues;
	}

	private Queue deadLetterQueue(String name) {
		return new Queue(name, null,
				Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, Long.toString(DEAD_LETTER_RETENTION_SECONDS)));
	}

	private Queue workQueue(String name, String deadLetterQueue) {
		Map<QueueAttributeName, String> attributes = new LinkedHashMap<>();
		attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT,
				Long.toString(this.settings.visibilityTimeout().toSeconds()));
		attributes.put(QueueAttributeName.MESSAGE_RETENTION_PERIOD, Long.toString(this.settings.retention().toSeconds()));
		return new Queue(name, deadLetterQueue, attributes);
	}

	/** Deliveries before a message moves to its dead-letter queue. */
	int maxReceiveCount() {
		return this.settings.maxReceiveCount();
	}

	/**
	 * One queue.
	 *
	 * @param name queue name
	 * @param deadLetterQueue name of the queue it redrives to, or {@code null} for a dead-letter queue
	 * @param attributes attributes other than the redrive policy
	 */
	public record Queue(String name, @org.jspecify.annotations.Nullable String deadLetterQueue,
			Map<QueueAttributeName, String> attributes) {
	}

}
