package dev.kiln.jobstore;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code create.lua}: the record and every index in one step, idempotency, the quota of waiting jobs. */
class CreateScriptIntegrationTests extends RedisFixture {

	@Test
	void recordsTheJobInEveryIndex() {
		JobMessage message = message(TENANT, Lane.STANDARD);
		JobStore.Created created = store.create(message, fields(message, "traceId", "abc"), null, Duration.ofMinutes(1), 10);
		assertThat(created).isEqualTo(new JobStore.Created(JobStore.CreateOutcome.CREATED, message.jobId(), 1));
		assertThat(field(message.jobId(), "state")).isEqualTo("QUEUED");
		assertThat(field(message.jobId(), "traceId")).isEqualTo("abc");
		assertThat(redis.opsForZSet().score(RedisKeys.laneQueued(Lane.STANDARD), message.jobId()))
			.isEqualTo((double) message.submittedAt().toEpochMilli());
		assertThat(redis.opsForZSet().score(RedisKeys.tenantJobs(TENANT), message.jobId())).isNotNull();
		assertThat(redis.opsForSet().isMember(RedisKeys.tenantWaiting(TENANT), message.jobId())).isTrue();
		assertThat(redis.opsForZSet().score(RedisKeys.unsentJobs(), message.jobId())).isNotNull();
	}

	@Test
	void answersARepeatedIdempotencyKeyWithTheFirstJob() {
		JobMessage first = message(TENANT, Lane.STANDARD);
		JobMessage second = message(TENANT, Lane.STANDARD);
		store.create(first, fields(first), "key-1", Duration.ofMinutes(1), 10);
		JobStore.Created again = store.create(second, fields(second), "key-1", Duration.ofMinutes(1), 10);
		assertThat(again.outcome()).isEqualTo(JobStore.CreateOutcome.DUPLICATE);
		assertThat(again.jobId()).isEqualTo(first.jobId());
		assertThat(redis.hasKey(RedisKeys.job(second.jobId()))).isFalse();
	}

	@Test
	void refusesAnExistingIdAndAJobOverTheQuota() {
		JobMessage first = message(TENANT, Lane.STANDARD);
		store.create(first, fields(first), null, Duration.ofMinutes(1), 1);
		assertThat(store.create(first, fields(first), null, Duration.ofMinutes(1), 1).outcome())
			.isEqualTo(JobStore.CreateOutcome.EXISTS);
		JobMessage second = message(TENANT, Lane.STANDARD);
		assertThat(store.create(second, fields(second), null, Duration.ofMinutes(1), 1).outcome())
			.isEqualTo(JobStore.CreateOutcome.QUOTA);
	}

	@Test
	void aFinishedJobNoLongerCountsAgainstTheQuota() {
		JobMessage first = message(TENANT, Lane.STANDARD);
		store.create(first, fields(first), null, Duration.ofMinutes(1), 1);
		store.cancel(TENANT, first.jobId(), Lane.STANDARD, java.time.Instant.now(), Duration.ofMinutes(5));
		JobMessage second = message(TENANT, Lane.STANDARD);
		assertThat(store.create(second, fields(second), null, Duration.ofMinutes(1), 1).outcome())
			.isEqualTo(JobStore.CreateOutcome.CREATED);
	}

}
