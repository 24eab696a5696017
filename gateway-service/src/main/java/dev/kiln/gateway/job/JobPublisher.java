package dev.kiln.gateway.job;

import io.awspring.cloud.sqs.operations.SqsTemplate;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.QueueNames;
import dev.kiln.gateway.GatewayProperties;

/** Sends job messages to their lane's queue. */
@Component
class JobPublisher {

	private final SqsTemplate sqs;

	private final QueueNames queues;

	JobPublisher(SqsTemplate sqs, GatewayProperties properties) {
		this.sqs = sqs;
		this.queues = new QueueNames(properties.queues().prefix());
	}

	/**
	 * Sends the message and waits until SQS has it.
	 * @param message the job
	 * @param json the job as JSON, the message body
	 */
	void publish(JobMessage message, String json) {
		this.sqs.send((options) -> options.queue(this.queues.jobs(message.lane())).payload(json));
	}

}
