package dev.kiln.queue.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.queue.OperationsContext;
import dev.kiln.queue.lane.DeadLetters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Running jobs whose worker vanished go back to RETRYING; a job that keeps killing workers ends FAILED, not in a loop.
 */
class StuckJobIntegrationTests extends OperationsContext {

	@Autowired
	private StuckJobSweeper sweeper;

	@Autowired
	private DeadLetters deadLetters;

	@Test
	void aRunningJobWhoseWorkerStoppedHeartbeatingIsRetryingAgainInItsLane() {
		JobMessage job = queuedJob(Lane.STANDARD, "stuck");
		this.stateMachine.apply(JobEvent.started(job.jobId(), 4, 1, "gone-worker", Instant.now()));
		this.redis.opsForZSet().add(RedisKeys.workers(), "gone-worker", System.currentTimeMillis() - 60_000);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			this.sweeper.sweep();
			assertThat(field(job.jobId(), JobFields.STATE)).isEqualTo("RETRYING");
		});
		assertThat(this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.STANDARD), job.jobId()))
			.isEqualTo((double) job.submittedAt().toEpochMilli());
		assertThat(this.redis.opsForZSet().score(RedisKeys.runningJobs(), job.jobId())).isNull();
		assertThat(this.meters.get("kiln.jobs.stuck.recovered").counter().count()).isPositive();
		// the worker's late progress changes nothing; the next delivery runs it again
		assertThat(this.stateMachine.apply(JobEvent.progress(job.jobId(), 2, 4, 1, "gone-worker", Instant.now())))
			.hasToString("ignored:not-running");
		assertThat(this.stateMachine.apply(JobEvent.started(job.jobId(), 4, 2, "w2", Instant.now())))
			.hasToString("RETRYING>RUNNING");
	}

	@Test
	void aRunningJobWhoseWorkerStillHeartbeatsIsLeftAlone() {
		JobMessage job = queuedJob(Lane.STANDARD, "stuck");
		this.redis.opsForValue().set(RedisKeys.worker("alive-worker"), "{}", Duration.ofMinutes(1));
		this.stateMachine.apply(JobEvent.started(job.jobId(), 4, 1, "alive-worker", Instant.now()));
		this.redis.opsForZSet().add(RedisKeys.runningJobs(), job.jobId(), System.currentTimeMillis() - 600_000);
		this.sweeper.sweep();
		assertThat(field(job.jobId(), JobFields.STATE)).isEqualTo("RUNNING");
		this.redis.delete(RedisKeys.worker("alive-worker"));
		this.sweeper.sweep();
		assertThat(field(job.jobId(), JobFields.STATE)).isEqualTo("RETRYING");
	}

	@Test
	void aJobThatKeepsKillingWorkersEndsFailedFromTheDeadLetterQueue() {
		JobMessage job = queuedJob(Lane.BATCH, "stuck");
		String jobs = url(QUEUES.jobs(Lane.BATCH));
		send(jobs, job);
		// each delivery: a worker starts it and dies; the sweep gives the job back; SQS redelivers
		int[] deliveries = { 0 };
		await().atMost(Duration.ofSeconds(20)).until(() -> {
			List<Message> received = this.sqs
				.receiveMessage((request) -> request.queueUrl(jobs)
					.waitTimeSeconds(1)
					.messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
				.join()
				.messages();
			for (Message message : received) {
				int attempt = Integer
					.parseInt(message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
				deliveries[0]++;
				this.stateMachine.apply(JobEvent.started(job.jobId(), 4, attempt, "doomed-" + attempt, Instant.now()));
				this.redis.opsForZSet().add(RedisKeys.runningJobs(), job.jobId(), 0);
				assertThat(this.sweeper.sweep()).isPositive();
				assertThat(field(job.jobId(), JobFields.STATE)).isEqualTo("RETRYING");
			}
			return depth(QUEUES.deadLetters(Lane.BATCH)) > 0;
		});
		assertThat(deliveries[0]).isEqualTo(2);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			this.sqs.receiveMessage((request) -> request.queueUrl(jobs).waitTimeSeconds(1)).join();
			assertThat(depth(QUEUES.deadLetters(Lane.BATCH))).isEqualTo(1);
		});
		assertThat(this.deadLetters.sweep(Lane.BATCH)).isEqualTo(1);
		assertThat(field(job.jobId(), JobFields.STATE)).isEqualTo("FAILED");
		assertThat(field(job.jobId(), JobFields.ERROR_TYPE)).isEqualTo("exhausted-retries");
	}

}
