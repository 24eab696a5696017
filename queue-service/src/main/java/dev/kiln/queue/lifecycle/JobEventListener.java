package dev.kiln.queue.lifecycle;

import io.awspring.cloud.sqs.annotation.SqsListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobLogContext;
import dev.kiln.jobstore.Transition;

/**
 * Consumes the events queue. A message is deleted only after its event is applied; one that cannot be read or
 * applied is delivered again and, after the queue's maxReceiveCount, lands in the events dead-letter queue.
 */
@Component
class JobEventListener {

	private static final Logger logger = LoggerFactory.getLogger(JobEventListener.class);

	private final JobStateMachine stateMachine;

	private final JsonMapper json;

	JobEventListener(JobStateMachine stateMachine, JsonMapper json) {
		this.stateMachine = stateMachine;
		this.json = json;
	}

	@SqsListener(queueNames = "${kiln.queues.prefix:kiln}-events", id = "job-events")
	void onEvent(String body) {
		JobEvent event = this.json.readValue(body, JobEvent.class);
		// the job id on every line logged while the event is applied (events carry no tenant or lane)
		try (JobLogContext.Scope scope = JobLogContext.of(event.jobId(), null, null)) {
			Transition outcome = this.stateMachine.apply(event);
			logger.debug("Job {} event {} (attempt {}): {}", event.jobId(), event.type(), event.attempt(), outcome);
		}
	}

}
