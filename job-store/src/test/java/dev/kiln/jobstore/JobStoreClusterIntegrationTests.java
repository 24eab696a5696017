package dev.kiln.jobstore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Every script against a real three-master Redis Cluster through a cluster-mode connection (as on MemoryDB): the
 * eleven keys of a transition, the seven of a create and the lease all carry the {@code {kiln}} hash tag, so no
 * script fails with {@code CROSSSLOT}.
 */
class JobStoreClusterIntegrationTests {

	@RegisterExtension
	static final RedisClusterExtension cluster = new RedisClusterExtension();

	private static StringRedisTemplate redis;

	private static JobStore store;

	@BeforeAll
	static void useTheCluster() {
		redis = cluster.redis();
		store = new JobStore(redis);
	}

	@Test
	void everyScriptRunsOnTheCluster() {
		Duration ttl = Duration.ofHours(1);
		Instant now = Instant.now();
		JobMessage job = RedisFixture.message("acme", Lane.INTERACTIVE);
		Map<String, String> fields = RedisFixture.fields(job, "callbackUrl", "https://example.com/hook");
		assertThat(store.create(job, fields, "k1", ttl, 10).outcome()).isEqualTo(JobStore.CreateOutcome.CREATED);
		assertThat(store.claimLease(job.jobId(), "w1", ttl).outcome()).isEqualTo("leased");
		assertThat(store.apply(JobEvent.started(job.jobId(), 4, 1, "w1", now), JobContext.of(job), "[]", ttl, now))
			.isEqualTo(new Transition.Moved(JobState.QUEUED, JobState.RUNNING));
		assertThat(store.apply(JobEvent.failed(job.jobId(), "x", "y", 1, "w1", now), JobContext.of(job), "[]", ttl,
				now))
			.isEqualTo(new Transition.Moved(JobState.RUNNING, JobState.FAILED));
		assertThat(store.redrive(job.jobId(), JobContext.of(job), now))
			.isEqualTo(new Transition.Moved(JobState.FAILED, JobState.QUEUED));
		assertThat(store.cancel("acme", job.jobId(), Lane.INTERACTIVE, now, ttl))
			.isEqualTo(new Transition.Moved(JobState.QUEUED, JobState.CANCELLED));
		assertThat(store.forgetRunning(job.jobId())).isFalse();
		assertThat(store.settleCost(job.jobId(), "acme", "0.1", "2026-12-01", "{kiln}:advisor:cost:watch")).isTrue();
		assertThat(store.claimUnsent(Long.MAX_VALUE, 1, 10)).containsExactly(job.jobId());
		store.endWebhook("d1", job.jobId(), "delivered", ttl, true);
		JobMessage other = RedisFixture.message("acme", Lane.BATCH);
		store.create(other, RedisFixture.fields(other), null, ttl, 10);
		assertThat(store.withdraw(other, null)).isInstanceOf(Transition.Withdrawn.class);
		assertThat(store.find(job.jobId())).isNotNull().extracting(JobRecord::webhookStatus).isEqualTo("delivered");
		assertThat(store.takeOverLease(job.jobId(), "w1", "w2", ttl)).isTrue();
		assertThat(store.renewLease(job.jobId(), "w2", ttl)).isTrue();
		store.releaseLease(job.jobId(), "w2");
		assertThat(List.of(store.claimLease(job.jobId(), "w3", ttl).outcome())).containsExactly("finished");
	}

	@Test
	void aTransitionOverUntaggedNamesFailsWithCrossSlot() {
		List<String> untagged = new ArrayList<>();
		for (String key : List.of(RedisKeys.job("j1"), RedisKeys.laneQueued(Lane.BATCH), RedisKeys.jobEvents("j1"),
				RedisKeys.runningJobs(), RedisKeys.webhooksDue(), RedisKeys.webhook("d1"), RedisKeys.tenantWaiting("t"),
				RedisKeys.modelStats("m"), RedisKeys.tenantJobs("t"), RedisKeys.idempotency("t", "-"),
				RedisKeys.unsentJobs())) {
			untagged.add(key.replace(RedisKeys.HASH_TAG + ":", "kiln:"));
		}
		assertThatException()
			.isThrownBy(() -> redis.execute(JobScripts.APPLY_EVENT, untagged, "j1", Instant.now().toString(), "0", "60",
					"d1", "0", "STARTED", "0", "4", "[]", "", "", "1", "w1", "", ""))
			.withStackTraceContaining("CROSSSLOT");
	}

}
