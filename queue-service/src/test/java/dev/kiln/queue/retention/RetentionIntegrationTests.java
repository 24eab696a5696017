package dev.kiln.queue.retention;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import software.amazon.awssdk.core.sync.RequestBody;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.RedisKeys;
import dev.kiln.queue.OperationsContext;

import static org.assertj.core.api.Assertions.assertThat;

/** Finished jobs older than kiln.retention (1h here) lose their record, index entry and outputs; nothing else does. */
class RetentionIntegrationTests extends OperationsContext {

	private static final String TENANT = "retention-" + JobIds.next().substring(30);

	@Autowired
	private RetentionSweeper sweeper;

	@Test
	void finishedJobsOlderThanTheRetentionAreDeletedWithTheirOutputs() {
		String old = job("SUCCEEDED", Instant.now().minusSeconds(3 * 3600), Instant.now().minusSeconds(2 * 3600));
		String recent = job("SUCCEEDED", Instant.now().minusSeconds(3 * 3600), Instant.now().minusSeconds(60));
		String waiting = job("QUEUED", Instant.now().minusSeconds(3 * 3600), null);
		String expired = JobIds.next();
		this.redis.opsForZSet().add(RedisKeys.tenantJobs(TENANT), expired, Instant.now().minusSeconds(9000).toEpochMilli());
		for (String id : new String[] { old, recent, waiting, expired }) {
			output(id);
		}

		assertThat(this.sweeper.sweep()).isGreaterThanOrEqualTo(2);

		assertThat(this.redis.hasKey(RedisKeys.job(old))).isFalse();
		assertThat(this.redis.hasKey(RedisKeys.jobEvents(old))).isFalse();
		assertThat(indexed(old)).isFalse();
		assertThat(outputs(old)).isZero();
		assertThat(indexed(expired)).isFalse();
		assertThat(outputs(expired)).isZero();
		assertThat(field(recent, JobFields.STATE)).isEqualTo("SUCCEEDED");
		assertThat(indexed(recent)).isTrue();
		assertThat(outputs(recent)).isEqualTo(1);
		assertThat(field(waiting, JobFields.STATE)).isEqualTo("QUEUED");
		assertThat(indexed(waiting)).isTrue();
		assertThat(outputs(waiting)).isEqualTo(1);
	}

	private String job(String state, Instant submitted, Instant finished) {
		JobMessage message = queuedJob(Lane.BATCH, TENANT);
		String id = message.jobId();
		this.redis.opsForZSet().add(RedisKeys.tenantJobs(TENANT), id, submitted.toEpochMilli());
		if (!state.equals("QUEUED")) {
			this.stateMachine.apply(JobEvent.succeeded(id, 4, java.util.List.of(ObjectKeys.image(TENANT, id, 0)), 1,
					"w1", finished));
		}
		this.redis.opsForHash().putAll(RedisKeys.job(id), Map.of(JobFields.STATE, state));
		return id;
	}

	private void output(String id) {
		this.s3.putObject((request) -> request.bucket(BUCKET).key(ObjectKeys.image(TENANT, id, 0)),
				RequestBody.fromString("png"));
	}

	private long outputs(String id) {
		return this.s3.listObjectsV2((request) -> request.bucket(BUCKET).prefix(ObjectKeys.jobPrefix(TENANT, id)))
			.keyCount();
	}

	private boolean indexed(String id) {
		return this.redis.opsForZSet().score(RedisKeys.tenantJobs(TENANT), id) != null;
	}

}
