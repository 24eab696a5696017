package dev.kiln.advisor.scaling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import dev.kiln.jobstore.JobStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The advisor's Redis inputs of a lane, read through the job store from a real Redis. */
class RedisInputsIntegrationTests {

	private static final Instant T0 = Instant.parse("2026-01-05T12:00:00Z");

	private final StringRedisTemplate redis = RedisFixture.redis();

	private final JsonMapper json = JsonMapper.builder().build();

	private final JobIndexReader reader = new JobIndexReader(this.redis, new JobStore(this.redis), this.json,
			RedisFixture.properties(Map.of("kiln.advisor.max-listed-jobs", "2", "kiln.advisor.deadlines.standard", "15m",
					"kiln.advisor.render-seconds", "1.5")));

	private final List<String> models = new ArrayList<>();

	@AfterEach
	void clean() {
		this.redis.delete(RedisKeys.laneQueued(Lane.STANDARD));
		this.models.forEach((model) -> this.redis.delete(RedisKeys.modelStats(model)));
		RedisFixture.close(this.redis);
	}

	@Test
	void readsDeadlinesOfTheOldestJobsAndCountsTheRest() {
		String model = model();
		enqueue("a", model, T0, T0.plus(Duration.ofHours(2)));
		enqueue("b", model, T0.plusSeconds(1), null);
		enqueue("c", model, T0.plusSeconds(2), T0.plusSeconds(60));

		JobIndexReader.LaneJobs jobs = this.reader.read(Lane.STANDARD);

		assertThat(jobs.listed()).containsExactly(new QueuedJob(T0, T0.plus(Duration.ofHours(2))),
				new QueuedJob(T0.plusSeconds(1), T0.plusSeconds(1).plus(Duration.ofMinutes(15))));
		assertThat(jobs.notListed()).isEqualTo(1);
		// no model of the listed jobs is measured yet: kiln.advisor.render-seconds
		assertThat(jobs.renderSeconds()).isEqualTo(1.5);
	}

	@Test
	void rendersAtTheMeasuredMeanOfTheListedJobsModelsWeightedByTheirJobs() {
		String measured = model();
		String other = model();
		String unmeasured = model();
		enqueue("a", measured, T0, null);
		enqueue("b", other, T0.plusSeconds(1), null);
		enqueue("c", unmeasured, T0.plusSeconds(2), null);
		this.redis.opsForHash().put(RedisKeys.modelStats(measured), "meanRenderSeconds", "2.5");
		this.redis.opsForHash().put(RedisKeys.modelStats(other), "meanRenderSeconds", "4.5");
		this.redis.opsForHash().put(RedisKeys.modelStats(unmeasured), "meanRenderSeconds", "9");

		// the window holds the oldest two (max-listed-jobs=2): (2.5 + 4.5) / 2; the third is beyond it
		assertThat(this.reader.read(Lane.STANDARD).renderSeconds()).isCloseTo(3.5, within(1e-9));

		enqueue("d", measured, T0.minusSeconds(1), null);
		// now the window is d and a, both of the first model
		assertThat(this.reader.read(Lane.STANDARD).renderSeconds()).isCloseTo(2.5, within(1e-9));
	}

	private String model() {
		String model = "model-" + UUID.randomUUID();
		this.models.add(model);
		return model;
	}

	private void enqueue(String name, String model, Instant submitted, Instant deadline) {
		String id = name + "-" + UUID.randomUUID();
		JobMessage message = new JobMessage(1, id, "t", model, "p", null, 512, 512, 20, 7.5, 1, 1, Lane.STANDARD,
				submitted, deadline);
		this.redis.opsForHash().put(RedisKeys.job(id), JobFields.REQUEST, this.json.writeValueAsString(message));
		this.redis.opsForZSet().add(RedisKeys.laneQueued(Lane.STANDARD), id, submitted.toEpochMilli());
	}

}
