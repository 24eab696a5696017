package dev.kiln.queue.lifecycle;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.queue.OperationsContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker event that ended in the events dead-letter queue (Redis was away for every delivery) is applied again by
 * the sweep, so its job does not stay stuck; an unreadable message stays for an operator.
 */
class EventDeadLettersIntegrationTests extends OperationsContext {

	@Autowired
	private EventDeadLetters sweep;

	@BeforeEach
	void emptyEventsDeadLetters() {
		this.sqs.purgeQueue((request) -> request.queueUrl(url(QUEUES.eventsDeadLetters()))).join();
	}

	@Test
	void aDeadLetteredSucceededEventFinishesItsJob() {
		JobMessage job = queuedJob(Lane.STANDARD, "events-dlq");
		this.stateMachine.apply(JobEvent.started(job.jobId(), 4, 1, "w1", Instant.now()));
		JobEvent succeeded = JobEvent.succeeded(job.jobId(), 4, List.of("jobs/events-dlq/" + job.jobId() + "/0.png"), 1,
				"w1", Instant.now(), 0.5);
		sendEvent(succeeded);
		sendEvent(succeeded);
		double before = this.meters.get("kiln.events.dead-letters.reapplied").counter().count();

		assertThat(this.sweep.sweep()).isEqualTo(2);

		assertThat(field(job.jobId(), JobFields.STATE)).isEqualTo("SUCCEEDED");
		assertThat(depth(QUEUES.eventsDeadLetters())).isZero();
		assertThat(this.meters.get("kiln.events.dead-letters.reapplied").counter().count()).isEqualTo(before + 2);
		assertThat(this.sweep.sweep()).isZero();
	}

	@Test
	void anUnreadableMessageStaysForAnOperator() {
		String dlq = url(QUEUES.eventsDeadLetters());
		this.sqs.sendMessage((request) -> request.queueUrl(dlq).messageBody("{\"not\": \"an event\"")).join();
		double before = this.meters.get("kiln.events.dead-letters.unreadable").counter().count();

		assertThat(this.sweep.sweep()).isZero();

		assertThat(depth(QUEUES.eventsDeadLetters())).isEqualTo(1);
		assertThat(this.meters.get("kiln.events.dead-letters.unreadable").counter().count()).isEqualTo(before + 1);
	}

	private void sendEvent(JobEvent event) {
		String body = this.json.writeValueAsString(event);
		this.sqs.sendMessage((request) -> request.queueUrl(url(QUEUES.eventsDeadLetters())).messageBody(body)).join();
	}

}
