package dev.kiln.queue.lifecycle;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobStore;
import dev.kiln.support.config.SharedProperties;
import dev.kiln.jobstore.RedisClusterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue service's scripts against a real three-master Redis Cluster through a cluster-mode connection (as on
 * MemoryDB): the job store's {@code apply-event.lua} and {@code redrive.lua} run as the state machine runs them (that
 * the same script over untagged names fails with {@code CROSSSLOT} is shown in job-store's
 * {@code JobStoreClusterIntegrationTests}). The retention sweep's
 * {@code SCAN} of the tenant indexes works on the cluster too.
 */
class JobStateMachineClusterIntegrationTests {

	@RegisterExtension
	static final RedisClusterExtension cluster = new RedisClusterExtension();

	private static StringRedisTemplate redis;

	private static final JsonMapper json = JsonMapper.builder().build();

	private static JobStateMachine machine;

	@BeforeAll
	static void useTheCluster() {
		redis = cluster.redis();
		SharedProperties shared = new Binder(new MapConfigurationPropertySource(Map.of("kiln.retention", "1h")))
			.bindOrCreate("kiln", SharedProperties.class);
		machine = new JobStateMachine(new JobStore(redis), json, new SimpleMeterRegistry(), Clock.systemUTC(), shared);
	}

	@Test
	void aJobRunsToSuccessAndIsRedrivenOnTheCluster() {
		JobMessage job = seed("QUEUED");
		assertThat(machine.apply(event(job, JobEventType.STARTED, null))).hasToString("QUEUED>RUNNING");
		assertThat(redis.opsForZSet().score(RedisKeys.runningJobs(), job.jobId())).isNotNull();
		assertThat(redis.opsForZSet().score(RedisKeys.laneQueued(Lane.BATCH), job.jobId())).isNull();
		assertThat(machine.apply(event(job, JobEventType.SUCCEEDED, 2.5))).hasToString("RUNNING>SUCCEEDED");
		assertThat(redis.opsForHash().get(RedisKeys.job(job.jobId()), "state")).isEqualTo("SUCCEEDED");
		assertThat(redis.opsForZSet().score(RedisKeys.runningJobs(), job.jobId())).isNull();
		assertThat(redis.opsForStream().size(RedisKeys.jobEvents(job.jobId()))).isEqualTo(2);
		// the terminal state scheduled a webhook delivery (KEYS[6], KEYS[7]) in the same script
		assertThat(redis.opsForHash().get(RedisKeys.job(job.jobId()), "webhookStatus")).isEqualTo("pending");

		JobMessage failed = seed("FAILED");
		assertThat(machine.redrive(failed.jobId())).hasToString("FAILED>QUEUED");
		assertThat(redis.opsForZSet().score(RedisKeys.laneQueued(Lane.BATCH), failed.jobId())).isNotNull();
	}

	@Test
	void theRetentionSweepsScanFindsTenantIndexesOnTheCluster() {
		JobMessage job = seed("QUEUED");
		List<String> found = new ArrayList<>();
		// RetentionSweeper's (and the advisor's CostAttributor's) call
		ScanOptions options = ScanOptions.scanOptions().match(RedisKeys.tenantJobs("*")).count(500).build();
		try (Cursor<String> keys = redis.scan(options)) {
			keys.forEachRemaining(found::add);
		}
		assertThat(found).contains(RedisKeys.tenantJobs(job.tenant()));
	}

	private static JobMessage seed(String state) {
		JobMessage job = new JobMessage(1, UUID.randomUUID().toString(), "cluster-" + UUID.randomUUID(), "kiln-builtin",
				"a lighthouse", null, 64, 64, 4, 7.5, 1, 1, Lane.BATCH, Instant.now(), null);
		redis.opsForHash()
			.putAll(RedisKeys.job(job.jobId()),
					Map.of("state", state, "tenant", job.tenant(), "lane", "batch", "request", json.writeValueAsString(job),
							"attempt", "0", "step", "0", "totalSteps", "4", "callbackUrl", "https://example.com/hook"));
		redis.opsForZSet().add(RedisKeys.tenantJobs(job.tenant()), job.jobId(), job.submittedAt().toEpochMilli());
		if (state.equals("QUEUED")) {
			redis.opsForZSet().add(RedisKeys.laneQueued(Lane.BATCH), job.jobId(), job.submittedAt().toEpochMilli());
		}
		return job;
	}

	private static JobEvent event(JobMessage job, JobEventType type, Double renderSeconds) {
		return new JobEvent(JobEvent.SCHEMA_VERSION, job.jobId(), type, 0, 4, List.of(), null, null, 1, "w1",
				Instant.now(), renderSeconds);
	}

}
