package dev.kiln.advisor.scaling;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.advisor.RedisFixture;
import dev.kiln.advisor.policy.QueuedJob;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.contract.WorkerHeartbeat;

import static org.assertj.core.api.Assertions.assertThat;

/** The advisor's Redis inputs, read through the contract's key layout from a real Redis. */
class RedisInputsIntegrationTests {

	private static final Instant T0 = Instant.parse("2026-01-05T12:00:00Z");

	private final StringRedisTemplate redis = RedisFixture.redis();

	private final JsonMapper json = JsonMapper.builder().build();

	private final JobIndexReader reader = new JobIndexReader(this.redis, this.json,
			RedisFixture.properties(Map.of("kiln.advisor.max-listed-jobs", "2", "kiln.advisor.deadlines.standard", "15m")));

	@AfterEach
	void clean() {
		this.redis.delete(RedisKeys.laneQueued(Lane.STANDARD));
		RedisFixture.close(this.redis);
	}

	@Test
	void readsDeadlinesOfTheOldestJobsAndCountsTheRest() {
		enqueue("a", T0, T0.plus(Duration.ofHours(2)));
		enqueue("b", T0.plusSeconds(1), null);
		enqueue("c", T0.plusSeconds(2), T0.plusSeconds(60));

		JobIndexReader.LaneJobs jobs = this.reader.read(Lane.STANDARD);

		assertThat(jobs.listed()).containsExactly(new QueuedJob(T0, T0.plus(Duration.ofHours(2))),
				new QueuedJob(T0.plusSeconds(1), T0.plusSeconds(1).plus(Duration.ofMinutes(15))));
		assertThat(jobs.notListed()).isEqualTo(1);
		assertThat(jobs.models()).containsEntry("sd15", 2);
	}

	@Test
	void readsLiveWorkersAndMeasuredRenderTimes() {
		String id = "w-" + UUID.randomUUID();
		WorkerHeartbeat beat = new WorkerHeartbeat(1, id, List.of(), "cpu", true, "job", T0, T0);
		this.redis.opsForValue().set(RedisKeys.worker(id), this.json.writeValueAsString(beat), Duration.ofMinutes(1));
		this.redis.opsForZSet().add(RedisKeys.workers(), id, T0.toEpochMilli());
		this.redis.opsForZSet().add(RedisKeys.workers(), "gone-" + id, T0.toEpochMilli());
		this.redis.opsForHash().put(RedisKeys.modelStats("model-" + id), "meanRenderSeconds", "2.5");
		WorkerReader workers = new WorkerReader(this.redis, this.json);

		assertThat(workers.live()).filteredOn((worker) -> worker.workerId().equals(id))
			.singleElement()
			.satisfies((worker) -> assertThat(worker.busy()).isTrue());
		assertThat(workers.live()).noneMatch((worker) -> worker.workerId().equals("gone-" + id));
		assertThat(workers.meanRenderSeconds("model-" + id)).isEqualTo(2.5);
		assertThat(workers.meanRenderSeconds("unmeasured-" + id)).isNull();
		this.redis.opsForZSet().remove(RedisKeys.workers(), id, "gone-" + id);
		this.redis.delete(RedisKeys.worker(id));
	}

	private void enqueue(String name, Instant submitted, Instant deadline) {
		String id = name + "-" + UUID.randomUUID();
		JobMessage message = new JobMessage(1, id, "t", "sd15", "p", null, 512, 512, 20, 7.5, 1, 1, Lane.STANDARD,
				submitted, deadline);
		this.redis.opsForHash().put(RedisKeys.job(id), JobFields.REQUEST, this.json.writeValueAsString(message));
		this.redis.opsForZSet().add(RedisKeys.laneQueued(Lane.STANDARD), id, submitted.toEpochMilli());
	}

}
