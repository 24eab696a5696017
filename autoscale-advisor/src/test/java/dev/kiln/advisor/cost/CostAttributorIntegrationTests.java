package dev.kiln.advisor.cost;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.kiln.advisor.RedisFixture;
import dev.kiln.advisor.scaling.ScalingAdvisor;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Finished jobs get their cost once, summed per tenant and day, in a real Redis.
 * <p>
 * The attributor's watch set and cursors are fixed keys and it scans every tenant's job index, so another attributor
 * on the same keys (a cached Spring context's {@code @Scheduled} round, which once settled a job first and left
 * {@code settle()} here returning 1, not 2) or another test's tenant indexes would change the counts asserted here.
 * This test therefore runs in a Redis database of its own, emptied before each test.
 */
class CostAttributorIntegrationTests {

	/** No other test or context uses it (see {@link RedisFixture#ownDatabase}). */
	private static final int DATABASE = 1;

	private final StringRedisTemplate redis = RedisFixture.ownDatabase(DATABASE);

	private final ScalingAdvisor advisor = mock(ScalingAdvisor.class);

	private final CostAttributor attributor = new CostAttributor(this.redis, new JobStore(this.redis), this.advisor,
			RedisFixture.properties(Map.of()), Clock.fixed(Instant.parse("2026-01-05T12:00:00Z"), ZoneOffset.UTC));

	@org.junit.jupiter.api.AfterEach
	void close() {
		RedisFixture.close(this.redis);
	}

	@Test
	void attributesSucceededJobsOnceAndSumsThemPerTenantAndDay() {
		String tenant = "tenant-" + UUID.randomUUID();
		// the batch lane runs 1 spot ($0.40) + 1 on-demand ($1.00) replica: $0.70 per replica-hour; the interactive
		// lane has none, priced on-demand (ScalingAdvisorTests.pricesAReplicaHourAtItsLanesMixOrOnDemand)
		given(this.advisor.replicaPricePerHour(Lane.BATCH)).willReturn(0.70);
		given(this.advisor.replicaPricePerHour(Lane.INTERACTIVE)).willReturn(1.0);
		String done = job(tenant, "SUCCEEDED", "batch", "3600", "2026-01-04T23:00:00Z", 1);
		String other = job(tenant, "SUCCEEDED", "interactive", "1800", "2026-01-04T23:30:00Z", 2);
		String running = job(tenant, "RUNNING", "batch", null, null, 3);
		String failed = job(tenant, "FAILED", "batch", null, "2026-01-04T23:00:00Z", 4);

		assertThat(this.attributor.discover()).isEqualTo(4);
		assertThat(this.attributor.discover()).isZero();
		assertThat(this.attributor.settle()).isEqualTo(2);

		assertThat(this.redis.opsForHash().get(RedisKeys.job(done), JobFields.COST)).isEqualTo("0.70000000");
		// interactive has no replicas in the decision: priced on-demand
		assertThat(this.redis.opsForHash().get(RedisKeys.job(other), JobFields.COST)).isEqualTo("0.50000000");
		assertThat(Double.parseDouble(
				(String) this.redis.opsForHash().get(RedisKeys.tenantCost(tenant), "2026-01-04"))).isEqualTo(1.2);
		assertThat(this.redis.opsForZSet().score(CostAttributor.WATCH, running)).isNotNull();
		assertThat(this.redis.opsForZSet().score(CostAttributor.WATCH, failed)).isNull();

		this.redis.opsForHash().putAll(RedisKeys.job(running), Map.of(JobFields.STATE, "SUCCEEDED",
				JobFields.RENDER_SECONDS, "360", JobFields.FINISHED_AT, "2026-01-05T01:00:00Z"));
		assertThat(this.attributor.settle()).isEqualTo(1);
		assertThat(this.attributor.settle()).isZero();
		assertThat(Double.parseDouble(
				(String) this.redis.opsForHash().get(RedisKeys.tenantCost(tenant), "2026-01-05"))).isEqualTo(0.07);
		assertThat(this.redis.opsForHash().entries(RedisKeys.tenantCost(tenant))).hasSize(2);
	}

	private String job(String tenant, String state, String lane, String renderSeconds, String finishedAt,
			long submittedMillis) {
		String id = UUID.randomUUID().toString();
		this.redis.opsForHash().put(RedisKeys.job(id), JobFields.STATE, state);
		this.redis.opsForHash().put(RedisKeys.job(id), JobFields.TENANT, tenant);
		this.redis.opsForHash().put(RedisKeys.job(id), JobFields.LANE, lane);
		if (renderSeconds != null) {
			this.redis.opsForHash().put(RedisKeys.job(id), JobFields.RENDER_SECONDS, renderSeconds);
		}
		if (finishedAt != null) {
			this.redis.opsForHash().put(RedisKeys.job(id), JobFields.FINISHED_AT, finishedAt);
		}
		this.redis.opsForZSet().add(RedisKeys.tenantJobs(tenant), id, submittedMillis);
		return id;
	}

}
