package dev.kiln.jobstore;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.RedisKeys;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The small scripts on job indexes and fields: {@code forget-running.lua}, {@code outbox-claim.lua},
 * {@code webhook-claim.lua}, {@code webhook-end.lua}, {@code settle-cost.lua}.
 */
class IndexScriptsIntegrationTests extends RedisFixture {

	@Test
	void forgetRunningDropsOnlyAJobThatIsNotRunning() {
		JobMessage running = created();
		store.apply(JobEvent.started(running.jobId(), 4, 1, "w1", Instant.now()), JobContext.of(running), "[]",
				Duration.ofHours(1), Instant.now());
		redis.opsForZSet().add(RedisKeys.runningJobs(), "gone", 1);
		assertThat(store.forgetRunning(running.jobId())).isFalse();
		assertThat(store.forgetRunning("gone")).isTrue();
		assertThat(redis.opsForZSet().range(RedisKeys.runningJobs(), 0, -1)).containsExactly(running.jobId());
	}

	@Test
	void outboxClaimTakesOnlyEntriesOldEnoughAndRescoresThem() {
		redis.opsForZSet().add(RedisKeys.unsentJobs(), "old", 100);
		redis.opsForZSet().add(RedisKeys.unsentJobs(), "new", 900);
		assertThat(store.claimUnsent(500, 1000, 10)).containsExactly("old");
		assertThat(redis.opsForZSet().score(RedisKeys.unsentJobs(), "old")).isEqualTo(1000.0);
		assertThat(store.claimUnsent(500, 2000, 10)).isEmpty();
		store.sent(java.util.List.of("old", "new"));
		assertThat(redis.opsForZSet().size(RedisKeys.unsentJobs())).isZero();
	}

	@Test
	void webhookClaimTakesOnlyADueDeliveryOnce() {
		redis.opsForZSet().add(RedisKeys.webhooksDue(), "due", 100);
		redis.opsForZSet().add(RedisKeys.webhooksDue(), "later", 5000);
		assertThat(store.claimWebhook("due", 1000, 2000)).isTrue();
		assertThat(redis.opsForZSet().score(RedisKeys.webhooksDue(), "due")).isEqualTo(2000.0);
		assertThat(store.claimWebhook("due", 1000, 3000)).isFalse();
		assertThat(store.claimWebhook("later", 1000, 2000)).isFalse();
		assertThat(store.claimWebhook("unknown", 1000, 2000)).isFalse();
	}

	@Test
	void webhookEndWritesTheOutcomeOnAJobThatStillExists() {
		JobMessage job = created();
		redis.opsForZSet().add(RedisKeys.webhooksDue(), "d1", 1);
		store.endWebhook("d1", job.jobId(), "delivered", Duration.ofMinutes(5), true);
		assertThat(redis.opsForZSet().size(RedisKeys.webhooksDue())).isZero();
		assertThat(redis.opsForHash().get(RedisKeys.webhook("d1"), "status")).isEqualTo("delivered");
		assertThat(redis.getExpire(RedisKeys.webhook("d1"))).isBetween(290L, 300L);
		assertThat(field(job.jobId(), "webhookStatus")).isEqualTo("delivered");
		store.endWebhook("d2", "vanished", "failed", Duration.ofMinutes(5), true);
		assertThat(redis.hasKey(RedisKeys.job("vanished"))).isFalse();
	}

	@Test
	void settleCostAddsAJobsCostToItsTenantOnce() {
		JobMessage job = created();
		redis.opsForZSet().add("{kiln}:advisor:cost:watch", job.jobId(), 1);
		assertThat(store.settleCost(job.jobId(), TENANT, "0.00125000", "2026-12-01", "{kiln}:advisor:cost:watch"))
			.isTrue();
		assertThat(store.settleCost(job.jobId(), TENANT, "0.00125000", "2026-12-01", "{kiln}:advisor:cost:watch"))
			.isFalse();
		assertThat(field(job.jobId(), "cost")).isEqualTo("0.00125000");
		assertThat(Double.parseDouble((String) redis.opsForHash().get(RedisKeys.tenantCost(TENANT), "2026-12-01")))
			.isCloseTo(0.00125, org.assertj.core.data.Offset.offset(1e-12));
		assertThat(redis.opsForZSet().size("{kiln}:advisor:cost:watch")).isZero();
	}

}
