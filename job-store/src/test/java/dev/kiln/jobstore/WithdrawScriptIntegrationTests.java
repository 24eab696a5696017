package dev.kiln.jobstore;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code withdraw.lua}: a job that never reached its queue goes entirely, but only while nothing touched it. */
class WithdrawScriptIntegrationTests extends RedisFixture {

	@Test
	void aQueuedJobIsRemovedFromEveryIndex() {
		JobMessage job = message(TENANT, Lane.STANDARD);
		store.create(job, fields(job), "key-1", Duration.ofMinutes(1), 10);
		assertThat(store.withdraw(job, "key-1")).isInstanceOf(Transition.Withdrawn.class);
		assertThat(redis.hasKey(RedisKeys.job(job.jobId()))).isFalse();
		assertThat(redis.hasKey(RedisKeys.idempotency(TENANT, "key-1"))).isFalse();
		assertThat(redis.opsForZSet().score(RedisKeys.laneQueued(Lane.STANDARD), job.jobId())).isNull();
		assertThat(redis.opsForZSet().score(RedisKeys.tenantJobs(TENANT), job.jobId())).isNull();
		assertThat(redis.opsForZSet().score(RedisKeys.unsentJobs(), job.jobId())).isNull();
		assertThat(redis.opsForSet().isMember(RedisKeys.tenantWaiting(TENANT), job.jobId())).isFalse();
	}

	@Test
	void aJobAWorkerStartedStays() {
		JobMessage job = created();
		store.apply(JobEvent.started(job.jobId(), 4, 1, "w1", Instant.now()), JobContext.of(job), "[]",
				Duration.ofHours(1), Instant.now());
		assertThat(store.withdraw(job, null)).isEqualTo(new Transition.Ignored("not-allowed"));
		assertThat(field(job.jobId(), "state")).isEqualTo("RUNNING");
	}

}
