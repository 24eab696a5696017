package dev.kiln.jobstore;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker's lease scripts: {@code lease-claim.lua}, {@code lease-take-over.lua}, {@code lease-renew.lua}, {@code lease-release.lua}. */
class LeaseScriptsIntegrationTests extends RedisFixture {

	private static final Duration TTL = Duration.ofSeconds(30);

	@Test
	void claimLeasesAnOpenJobAndReportsTheHolder() {
		JobMessage job = created();
		assertThat(store.claimLease(job.jobId(), "w1", TTL)).isEqualTo(new JobStore.LeaseClaim("leased", null));
		assertThat(store.claimLease(job.jobId(), "w2", TTL)).isEqualTo(new JobStore.LeaseClaim("held", "w1"));
		assertThat(redis.getExpire(RedisKeys.jobLease(job.jobId()))).isBetween(25L, 30L);
	}

	@Test
	void claimAnswersFinishedAndCancelRequestedJobs() {
		JobMessage job = created();
		store.apply(JobEvent.started(job.jobId(), 4, 1, "w1", Instant.now()), JobContext.of(job), "[]", TTL, Instant.now());
		store.cancel(TENANT, job.jobId(), Lane.STANDARD, Instant.now(), TTL);
		assertThat(store.claimLease(job.jobId(), "w1", TTL).outcome()).isEqualTo("cancel");
		store.apply(JobEvent.succeeded(job.jobId(), 4, List.of("a.png"), 1, "w1", Instant.now()), JobContext.of(job),
				"[]", TTL, Instant.now());
		assertThat(store.claimLease(job.jobId(), "w1", TTL).outcome()).isEqualTo("finished");
	}

	@Test
	void takeOverRenewAndReleaseActOnlyForTheHolder() {
		JobMessage job = created();
		store.claimLease(job.jobId(), "w1", TTL);
		assertThat(store.takeOverLease(job.jobId(), "someone-else", "w2", TTL)).isFalse();
		assertThat(store.renewLease(job.jobId(), "w2", TTL)).isFalse();
		assertThat(store.takeOverLease(job.jobId(), "w1", "w2", TTL)).isTrue();
		assertThat(store.renewLease(job.jobId(), "w2", TTL)).isTrue();
		store.releaseLease(job.jobId(), "w1");
		assertThat(redis.opsForValue().get(RedisKeys.jobLease(job.jobId()))).isEqualTo("w2");
		store.releaseLease(job.jobId(), "w2");
		assertThat(redis.hasKey(RedisKeys.jobLease(job.jobId()))).isFalse();
	}

}
