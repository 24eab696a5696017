package dev.kiln.queue.lane;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import software.amazon.awssdk.services.sqs.model.Message;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.queue.OperationsContext;
import dev.kiln.queue.tracing.JobTraces;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox relay sends the message of a job that was recorded but never confirmed in SQS, once its grace period
 * (2 s here) is over, and only while the job is still waiting.
 */
class OutboxRelayIntegrationTests extends OperationsContext {

	@Autowired
	private OutboxRelay relay;

	@BeforeEach
	void emptyOutbox() {
		this.redis.delete(RedisKeys.unsentJobs());
	}

	@Test
	void relaysAQueuedJobUnconfirmedForLongerThanTheGracePeriod() {
		JobMessage job = queuedJob(Lane.INTERACTIVE, "outbox");
		unsent(job, 10_000);
		double before = this.meters.get("kiln.outbox.relayed").counter().count();
		assertThat(this.relay.relay()).isEqualTo(1);
		List<Message> received = receive(url(QUEUES.jobs(Lane.INTERACTIVE)));
		assertThat(received).hasSize(1);
		assertThat(this.json.readValue(received.get(0).body(), JobMessage.class)).isEqualTo(job);
		assertThat(this.redis.opsForZSet().score(RedisKeys.unsentJobs(), job.jobId())).isNull();
		assertThat(this.meters.get("kiln.outbox.relayed").counter().count()).isEqualTo(before + 1);
		assertThat(this.relay.relay()).isZero();
		assertThat(this.meters.get("kiln.outbox.unsent").gauge().value()).isZero();
	}

	@Test
	void theRelayedMessageCarriesTheTraceContextRecordedWithTheJob() {
		JobMessage job = queuedJob(Lane.INTERACTIVE, "outbox");
		String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
		this.redis.opsForHash().put(RedisKeys.job(job.jobId()), JobFields.TRACEPARENT, traceparent);
		unsent(job, 10_000);
		assertThat(this.relay.relay()).isEqualTo(1);
		List<Message> received = this.sqs
			.receiveMessage((request) -> request.queueUrl(url(QUEUES.jobs(Lane.INTERACTIVE)))
				.waitTimeSeconds(1)
				.messageAttributeNames(JobTraces.MESSAGE_ATTRIBUTES))
			.join()
			.messages();
		assertThat(received).singleElement()
			.satisfies((message) -> assertThat(message.messageAttributes().get("traceparent").stringValue())
				.isEqualTo(traceparent));
	}

	@Test
	void leavesAJobWhoseSendMayStillBeInProgress() {
		JobMessage job = queuedJob(Lane.STANDARD, "outbox");
		unsent(job, 0);
		assertThat(this.relay.relay()).isZero();
		assertThat(depth(QUEUES.jobs(Lane.STANDARD))).isZero();
		assertThat(this.redis.opsForZSet().score(RedisKeys.unsentJobs(), job.jobId())).isNotNull();
	}

	@Test
	void forgetsJobsThatNoLongerWaitWithoutSendingThem() {
		JobMessage started = queuedJob(Lane.BATCH, "outbox");
		this.stateMachine.apply(JobEvent.started(started.jobId(), 4, 1, "w1", java.time.Instant.now()));
		JobMessage withdrawn = queuedJob(Lane.BATCH, "outbox");
		this.redis.delete(RedisKeys.job(withdrawn.jobId()));
		unsent(started, 10_000);
		unsent(withdrawn, 10_000);
		assertThat(this.relay.relay()).isZero();
		assertThat(depth(QUEUES.jobs(Lane.BATCH))).isZero();
		assertThat(this.redis.opsForZSet().zCard(RedisKeys.unsentJobs())).isZero();
	}

	@Test
	void claimsEachJobOncePerGracePeriod() {
		JobMessage job = queuedJob(Lane.STANDARD, "outbox");
		unsent(job, 10_000);
		// another replica claimed it a moment ago: its score moved to now, so this round leaves it
		this.redis.opsForZSet().add(RedisKeys.unsentJobs(), job.jobId(), System.currentTimeMillis());
		assertThat(this.relay.relay()).isZero();
		assertThat(depth(QUEUES.jobs(Lane.STANDARD))).isZero();
	}

	private void unsent(JobMessage job, long ageMillis) {
		this.redis.opsForZSet().add(RedisKeys.unsentJobs(), job.jobId(), System.currentTimeMillis() - ageMillis);
	}

}
