package dev.kiln.jobstore;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cancel.lua}: the owner's cancel goes through the same rules as every other transition. */
class CancelScriptIntegrationTests extends RedisFixture {

	private static final Instant NOW = Instant.parse("2026-12-01T10:00:05Z");

	@Test
	void aQueuedJobEndsCancelledAndSchedulesItsWebhook() {
		JobMessage job = created("callbackUrl", "https://example.com/hook");
		Transition outcome = store.cancel(TENANT, job.jobId(), Lane.STANDARD, NOW, Duration.ofHours(1));
		assertThat(outcome).isEqualTo(new Transition.Moved(JobState.QUEUED, JobState.CANCELLED));
		assertThat(field(job.jobId(), "state")).isEqualTo("CANCELLED");
		assertThat(field(job.jobId(), "finishedAt")).isEqualTo(NOW.toString());
		assertThat(field(job.jobId(), "startedAt")).isNull();
		assertThat(field(job.jobId(), "webhookStatus")).isEqualTo("pending");
		assertThat(redis.opsForZSet().score(RedisKeys.laneQueued(Lane.STANDARD), job.jobId())).isNull();
		assertThat(redis.opsForSet().isMember(RedisKeys.tenantWaiting(TENANT), job.jobId())).isFalse();
		assertThat(redis.opsForZSet().range(RedisKeys.webhooksDue(), 0, -1)).singleElement().satisfies((id) -> {
			assertThat(id).startsWith(job.jobId() + ".cancelled.");
			assertThat(redis.opsForHash().entries(RedisKeys.webhook(id))).containsEntry("event", "job.cancelled")
				.containsEntry("state", "CANCELLED")
				.containsEntry("url", "https://example.com/hook")
				.containsEntry("tenant", TENANT);
		});
		assertThat(redis.getExpire(RedisKeys.job(job.jobId()))).isBetween(3500L, 3600L);
	}

	@Test
	void aRunningJobGetsARequestForItsWorker() {
		JobMessage job = created();
		store.apply(JobEvent.started(job.jobId(), 4, 1, "w1", NOW), JobContext.of(job), "[]", Duration.ofHours(1),
				NOW);
		assertThat(store.cancelRequested(job.jobId())).isFalse();
		assertThat(store.cancel(TENANT, job.jobId(), Lane.STANDARD, NOW, Duration.ofHours(1)))
			.isInstanceOf(Transition.CancelRequested.class);
		assertThat(field(job.jobId(), "state")).isEqualTo("RUNNING");
		assertThat(field(job.jobId(), "cancelRequested")).isEqualTo("true");
		assertThat(store.cancelRequested(job.jobId())).isTrue();
		assertThat(store.cancelRequested("no-such-job")).isFalse();
	}

	@Test
	void anotherTenantsJobAndAFinishedJobAreLeftAlone() {
		JobMessage job = created();
		assertThat(store.cancel("other", job.jobId(), Lane.STANDARD, NOW, Duration.ofHours(1)))
			.isEqualTo(new Transition.Ignored(Transition.Ignored.UNKNOWN_JOB));
		store.cancel(TENANT, job.jobId(), Lane.STANDARD, NOW, Duration.ofHours(1));
		assertThat(store.cancel(TENANT, job.jobId(), Lane.STANDARD, NOW, Duration.ofHours(1)))
			.isEqualTo(new Transition.Ignored(Transition.Ignored.TERMINAL));
		assertThat(field(job.jobId(), "transitions")).isEqualTo("1");
	}

}
