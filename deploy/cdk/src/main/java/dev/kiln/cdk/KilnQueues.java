package dev.kiln.cdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.IQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * Kiln's queues and dead-letter queues, one per entry of the queue-service's topology: the names, visibility timeout,
 * retention and redrive policy all come from {@link KilnTopology}. Every queue is encrypted (SQS-managed keys) and
 * refuses requests without TLS.
 */
final class KilnQueues extends Construct {

	private final Map<String, Queue> byName = new LinkedHashMap<>();

	private final KilnTopology topology;

	KilnQueues(Construct scope, String id, KilnTopology topology) {
		super(scope, id);
		this.topology = topology;
		for (KilnTopology.WorkQueue work : topology.queues()) {
			Queue deadLetters = Queue.Builder.create(this, work.deadLetterQueue())
				.queueName(work.deadLetterQueue())
				.retentionPeriod(Duration.seconds(topology.deadLetterRetentionSeconds()))
				.encryption(QueueEncryption.SQS_MANAGED)
				.enforceSsl(true)
				.build();
			Queue queue = Queue.Builder.create(this, work.name())
				.queueName(work.name())
				.visibilityTimeout(Duration.seconds(topology.visibilityTimeoutSeconds()))
				.retentionPeriod(Duration.seconds(topology.messageRetentionSeconds()))
				.deadLetterQueue(DeadLetterQueue.builder()
					.queue(deadLetters)
					.maxReceiveCount(topology.maxReceiveCount())
					.build())
				.encryption(QueueEncryption.SQS_MANAGED)
				.enforceSsl(true)
				.build();
			this.byName.put(work.deadLetterQueue(), deadLetters);
			this.byName.put(work.name(), queue);
		}
	}

	/** The lanes' jobs queues. */
	List<IQueue> jobs() {
		return this.topology.jobsQueues().stream().map((work) -> (IQueue) this.byName.get(work.name())).toList();
	}

	/** The lanes' dead-letter queues. */
	List<IQueue> jobsDeadLetters() {
		return this.topology.jobsQueues()
			.stream()
			.map((work) -> (IQueue) this.byName.get(work.deadLetterQueue()))
			.toList();
	}

	/** The events queue. */
	IQueue events() {
		return this.byName.get(this.topology.eventsQueue().name());
	}

	/** The events dead-letter queue. */
	IQueue eventsDeadLetters() {
		return this.byName.get(this.topology.eventsQueue().deadLetterQueue());
	}

}
