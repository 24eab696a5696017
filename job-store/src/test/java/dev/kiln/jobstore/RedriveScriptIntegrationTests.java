package dev.kiln.jobstore;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code redrive.lua}: a failed job goes back to QUEUED; finished-for-good ones stay. */
class RedriveScriptIntegrationTests extends RedisFixture {

	private static final Instant NOW = Instant.parse("2026-12-01T10:00:05Z");

	@Test
	void aFailedJobWaitsAgainWithItsAttemptsReset() {
		JobMessage job = created();
		store.apply(JobEvent.failed(job.jobId(), "exhausted-retries", "dead-lettered", 3, "w1", NOW),
				JobContext.of(job), "[]", Duration.ofHours(1), NOW);
		assertThat(redis.getExpire(RedisKeys.job(job.jobId()))).isPositive();
		assertThat(store.redrive(job.jobId(), JobContext.of(job), NOW.plusSeconds(1)))
			.isEqualTo(new Transition.Moved(JobState.FAILED, JobState.QUEUED));
		JobRecord record = store.find(job.jobId());
		assertThat(record).isNotNull();
		assertThat(record.state()).isEqualTo(JobState.QUEUED);
		assertThat(record.attempt()).isZero();
		assertThat(record.errorType()).isNull();
		assertThat(record.finishedAt()).isNull();
		assertThat(redis.getExpire(RedisKeys.job(job.jobId()))).isEqualTo(-1);
		assertThat(redis.opsForZSet().score(RedisKeys.laneQueued(Lane.STANDARD), job.jobId()))
			.isEqualTo((double) job.submittedAt().toEpochMilli());
		assertThat(redis.opsForSet().isMember(RedisKeys.tenantWaiting(TENANT), job.jobId())).isTrue();
	}

	@Test
	void aSucceededJobAndAnUnknownOneAreLeftAlone() {
		JobMessage job = created();
		store.apply(JobEvent.succeeded(job.jobId(), 4, List.of("a.png"), 1, "w1", NOW), JobContext.of(job), "[]",
				Duration.ofHours(1), NOW);
		assertThat(store.redrive(job.jobId(), JobContext.of(job), NOW))
			.isEqualTo(new Transition.Ignored(Transition.Ignored.TERMINAL));
		assertThat(field(job.jobId(), "state")).isEqualTo("SUCCEEDED");
		assertThat(store.redrive("nope", JobContext.of(job), NOW))
			.isEqualTo(new Transition.Ignored(Transition.Ignored.UNKNOWN_JOB));
	}

}
