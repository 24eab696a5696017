package dev.kiln.queue.retention;

import java.time.Duration;
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
import static org.awaitility.Awaitility.await;

/**
 * Finished jobs older than kiln.retention (1h here) lose their record, index entry and outputs; nothing else does.
 * Uploaded inputs older than the cut-off are deleted by their S3 LastModified.
 */
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

	@Test
	void inputsLastModifiedBeforeTheCutoffAreDeletedInEveryTenantsFolder() {
		// a tenant that only uploaded (no job index in Redis) and the job tenant
		String uploader = "uploader-" + JobIds.next().substring(30);
		String older = input(uploader, "in-old");
		String olderOfJobTenant = input(TENANT, "in-old");
		Instant first = lastModified(older);
		// LastModified has whole seconds: the next upload must be a second later to be told apart
		await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(first.plusSeconds(1)));
		String newer = input(uploader, "in-new");
		String output = ObjectKeys.image(uploader, JobIds.next(), 0);
		this.s3.putObject((request) -> request.bucket(BUCKET).key(output), RequestBody.fromString("png"));
		Instant cutoff = lastModified(newer);
		assertThat(cutoff).isAfter(lastModified(olderOfJobTenant));

		assertThat(this.sweeper.sweepInputs(cutoff)).isGreaterThanOrEqualTo(2);

		assertThat(exists(older)).isFalse();
		assertThat(exists(olderOfJobTenant)).isFalse();
		assertThat(exists(newer)).as("modified at the cut-off, not before").isTrue();
		assertThat(exists(output)).as("job outputs are the job sweep's").isTrue();
		// the scheduled sweep's cut-off is now - kiln.retention (1h): nothing uploaded just now goes
		assertThat(this.sweeper.sweepInputs(Instant.now().minus(Duration.ofHours(1)))).isZero();
		assertThat(exists(newer)).isTrue();
	}

	private String input(String tenant, String id) {
		String key = ObjectKeys.input(tenant, id);
		this.s3.putObject((request) -> request.bucket(BUCKET).key(key), RequestBody.fromString("png"));
		return key;
	}

	private Instant lastModified(String key) {
		return this.s3.headObject((request) -> request.bucket(BUCKET).key(key)).lastModified();
	}

	private boolean exists(String key) {
		return this.s3.listObjectsV2((request) -> request.bucket(BUCKET).prefix(key)).keyCount() > 0;
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
