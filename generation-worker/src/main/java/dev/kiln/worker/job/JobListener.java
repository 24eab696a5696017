package dev.kiln.worker.job;

import io.awspring.cloud.sqs.annotation.SqsListener;
import io.awspring.cloud.sqs.listener.SqsHeaders;
import io.awspring.cloud.sqs.listener.acknowledgement.Acknowledgement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.messaging.Message;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobMessage;

/**
 * Receives jobs from every lane's queue, one at a time, with manual acknowledgement. A message is acknowledged
 * (deleted) only when {@link JobProcessor} says it is done with; otherwise it becomes visible again when its
 * visibility timeout lapses and, after maxReceiveCount deliveries, moves to the lane's dead-letter queue.
 */
@Component
class JobListener {

	private static final Logger logger = LoggerFactory.getLogger(JobListener.class);

	private final JobProcessor processor;

	private final JsonMapper json;

	JobListener(JobProcessor processor, JsonMapper json) {
		this.processor = processor;
		this.json = json;
	}

	@SqsListener(id = "jobs",
			queueNames = { "${kiln.queues.prefix:kiln}-jobs-interactive", "${kiln.queues.prefix:kiln}-jobs-standard",
					"${kiln.queues.prefix:kiln}-jobs-batch" },
			factory = WorkerSqsConfiguration.JOBS_CONTAINER_FACTORY)
	void onJob(Message<String> message, Acknowledgement acknowledgement) {
		JobMessage job;
		try {
			job = this.json.readValue(message.getPayload(), JobMessage.class);
		}
		catch (JacksonException | IllegalArgumentException ex) {
			// Not a job this worker can read: leave it for the dead-letter queue, where a person can look at it.
			logger.error("Unreadable job message {}: {}", message.getHeaders().getId(), ex.getMessage());
			return;
		}
		if (this.processor.process(job, attempt(message))) {
			acknowledgement.acknowledge();
		}
	}

	private static int attempt(Message<String> message) {
		Object count = message.getHeaders().get(SqsHeaders.MessageSystemAttributes.SQS_APPROXIMATE_RECEIVE_COUNT);
		try {
			return (count != null) ? Integer.parseInt(count.toString()) : 1;
		}
		catch (NumberFormatException ex) {
			return 1;
		}
	}

}
