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

/** {@code apply-event.lua} (with the rules in front): worker events through a job's life. */
class ApplyEventScriptIntegrationTests extends RedisFixture {

	private static final Instant T0 = Instant.parse("2026-12-01T10:00:01Z");

	private static Transition apply(JobMessage job, JobEvent event) {
		return store.apply(event, JobContext.of(job), "[\"a.png\"]", Duration.ofHours(1), Instant.now());
	}

	@Test
	void aJobRunsToSuccessAndSchedulesItsWebhook() {
		JobMessage job = created("callbackUrl", "https://example.com/hook");
		assertThat(apply(job, JobEvent.started(job.jobId(), 4, 1, "w1", T0)))
			.isEqualTo(new Transition.Moved(JobState.QUEUED, JobState.RUNNING));
		assertThat(redis.opsForZSet().score(RedisKeys.runningJobs(), job.jobId())).isNotNull();
		assertThat(redis.opsForZSet().score(RedisKeys.laneQueued(Lane.STANDARD), job.jobId())).isNull();
		assertThat(apply(job, JobEvent.progress(job.jobId(), 2, 4, 1, "w1", T0.plusSeconds(1))))
			.isEqualTo(new Transition.Moved(JobState.RUNNING, JobState.RUNNING));
		assertThat(apply(job, JobEvent.progress(job.jobId(), 1, 4, 1, "w1", T0.plusSeconds(2))))
			.isEqualTo(new Transition.Ignored("old-step"));
		Transition done = apply(job, JobEvent.succeeded(job.jobId(), 4, List.of("a.png"), 1, "w1", T0.plusSeconds(3), 2.5));
		assertThat(done).isEqualTo(new Transition.Moved(JobState.RUNNING, JobState.SUCCEEDED));
		assertThat(done.finishedJob()).isTrue();
		JobRecord record = store.find(job.jobId());
		assertThat(record).isNotNull();
		assertThat(record.state()).isEqualTo(JobState.SUCCEEDED);
		assertThat(record.step()).isEqualTo(4);
		assertThat(record.renderSeconds()).isEqualTo(2.5);
		assertThat(record.transitions()).isEqualTo(2);
		assertThat(record.webhookStatus()).isEqualTo("pending");
		assertThat(redis.opsForZSet().score(RedisKeys.runningJobs(), job.jobId())).isNull();
		assertThat(redis.opsForSet().isMember(RedisKeys.tenantWaiting(TENANT), job.jobId())).isFalse();
		assertThat(redis.getExpire(RedisKeys.job(job.jobId()))).isPositive();
		assertThat(redis.opsForZSet().range(RedisKeys.webhooksDue(), 0, -1)).singleElement()
			.satisfies((id) -> assertThat(redis.opsForHash().get(RedisKeys.webhook(id), "event")).isEqualTo("job.succeeded"));
		assertThat(redis.opsForStream().size(RedisKeys.jobEvents(job.jobId()))).isEqualTo(3); // started, progress 2, succeeded (the old step wrote nothing)
	}

	@Test
	void aTerminalJobIgnoresEveryLaterEvent() {
		JobMessage job = created();
		apply(job, JobEvent.failed(job.jobId(), "render-error", "oom", 1, "w1", T0));
		assertThat(apply(job, JobEvent.started(job.jobId(), 4, 2, "w2", T0.plusSeconds(1))))
			.isEqualTo(new Transition.Ignored("terminal"));
		assertThat(apply(job, JobEvent.succeeded(job.jobId(), 4, List.of("a.png"), 2, "w2", T0.plusSeconds(2))))
			.isEqualTo(new Transition.Ignored("terminal"));
		assertThat(field(job.jobId(), "errorType")).isEqualTo("render-error");
	}

	@Test
	void aReleasedAttemptWaitsAgainAndAStaleOneIsIgnored() {
		JobMessage job = created();
		apply(job, JobEvent.started(job.jobId(), 4, 1, "w1", T0));
		assertThat(apply(job, JobEvent.released(job.jobId(), 2, 4, "transient", "GPU reset", 1, "w1", T0.plusSeconds(1))))
			.isEqualTo(new Transition.Moved(JobState.RUNNING, JobState.RETRYING));
		assertThat(redis.opsForZSet().score(RedisKeys.laneQueued(Lane.STANDARD), job.jobId()))
			.isEqualTo((double) job.submittedAt().toEpochMilli());
		assertThat(apply(job, JobEvent.started(job.jobId(), 4, 1, "w1", T0.plusSeconds(2))))
			.isEqualTo(new Transition.Ignored("stale-attempt"));
		assertThat(apply(job, JobEvent.started(job.jobId(), 4, 2, "w2", T0.plusSeconds(3))))
			.isEqualTo(new Transition.Moved(JobState.RETRYING, JobState.RUNNING));
	}

	@Test
	void anUnknownJobIsIgnored() {
		JobMessage job = message(TENANT, Lane.STANDARD);
		assertThat(apply(job, JobEvent.started(job.jobId(), 4, 1, "w1", T0)))
			.isEqualTo(new Transition.Ignored(Transition.Ignored.UNKNOWN_JOB));
		assertThat(redis.hasKey(RedisKeys.job(job.jobId()))).isFalse();
	}

}
