package dev.kiln.worker.job;

import java.util.concurrent.CompletableFuture;

import io.awspring.cloud.sqs.operations.SqsTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.QueueNames;
import dev.kiln.worker.WorkerProperties;

/** Sends job events to the events queue. */
@Component
class EventPublisher {

	private final SqsTemplate sqs;

	private final JsonMapper json;

	private final String queue;

	EventPublisher(SqsTemplate sqs, JsonMapper json, WorkerProperties properties) {
		this.sqs = sqs;
		this.json = json;
		this.queue = new QueueNames(properties.queues().prefix()).events();
	}

	/** Sends the event and returns once SQS has it. */
	void publish(JobEvent event) {
		String body = this.json.writeValueAsString(event);
		this.sqs.send((options) -> options.queue(this.queue).payload(body));
	}

	/**
	 * Starts sending the event.
	 * @return completes once SQS has it, or with the reason it did not take it
	 */
	CompletableFuture<?> publishAsync(JobEvent event) {
		String body = this.json.writeValueAsString(event);
		return this.sqs.sendAsync((options) -> options.queue(this.queue).payload(body));
	}

}
