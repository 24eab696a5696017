package dev.kiln.queue.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.support.config.SharedProperties;

/**
 * The queues and the bucket Kiln needs, and their attributes, derived from configuration once. Dead-letter queues
 * come before the queues that redrive into them.
 *
 * @param names the queue names (under the shared {@code kiln.queues.prefix})
 * @param settings the queues' SQS settings
 * @param bucket the bucket (the shared {@code kiln.storage.bucket})
 * @param retention how long job outputs are kept in the bucket (the shared {@code kiln.retention})
 */
public record QueueTopology(QueueNames names, QueueServiceProperties.Queues settings, String bucket,
		Duration retention) {

	/** SQS's longest message retention, used for dead-letter queues so nothing expires before it is looked at. */
	static final long DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

	/**
	 * The topology a configuration describes.
	 * @param properties the queue service's settings
	 * @param shared the settings every service agrees on
	 * @return the topology
	 */
	public static QueueTopology of(QueueServiceProperties properties, SharedProperties shared) {
		return new QueueTopology(new QueueNames(shared.queues().prefix()), properties.queues(),
				shared.storage().bucket(), shared.retention());
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
