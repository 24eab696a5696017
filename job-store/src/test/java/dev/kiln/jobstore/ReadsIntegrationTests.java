package dev.kiln.jobstore;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.RedisKeys;

import static org.assertj.core.api.Assertions.assertThat;

/** The store's reads for readers of many jobs ({@code findAll}) and of the model stats its events keep. */
class ReadsIntegrationTests extends RedisFixture {

	@Test
	void findAllReadsTheRecordsThereAreInTheOrderAskedAndLeavesOutTheMissing() {
		JobMessage first = created();
		JobMessage second = created("callbackUrl", "https://example.com/hook");

		Map<String, JobRecord> records = store.findAll(List.of(second.jobId(), "missing", first.jobId()));

		assertThat(records.keySet()).containsExactly(second.jobId(), first.jobId());
		assertThat(records.get(second.jobId())).isEqualTo(store.find(second.jobId()));
		assertThat(records.get(second.jobId()).callbackUrl()).isEqualTo("https://example.com/hook");
		assertThat(records.get(first.jobId()).state()).isEqualTo(JobState.QUEUED);
		assertThat(store.findAll(List.of())).isEmpty();
	}

	@Test
	void meanRenderSecondsIsTheMeasuredMeanOnceAnAttemptSucceeded() {
		JobMessage job = created();
		assertThat(store.meanRenderSeconds(job.model())).isNull();
		Instant t0 = Instant.parse("2026-12-01T10:00:01Z");
		store.apply(JobEvent.started(job.jobId(), 4, 1, "w1", t0), JobContext.of(job), "[]", Duration.ofHours(1),
				Instant.now());
		store.apply(JobEvent.succeeded(job.jobId(), 4, List.of("a.png"), 1, "w1", t0.plusSeconds(3), 2.5),
				JobContext.of(job), "[\"a.png\"]", Duration.ofHours(1), Instant.now());

		// the first measurement is the mean (apply-event.lua: mean * 0.8 + seconds * 0.2 with mean = seconds)
		assertThat(store.meanRenderSeconds(job.model())).isEqualTo(2.5);
	}

	@Test
	void meanRenderSecondsReadsAnUnreadableOrNonPositiveValueAsNotMeasured() {
		redis.opsForHash().put(RedisKeys.modelStats("zero"), "meanRenderSeconds", "0");
		redis.opsForHash().put(RedisKeys.modelStats("garbled"), "meanRenderSeconds", "fast");
		assertThat(store.meanRenderSeconds("zero")).isNull();
		assertThat(store.meanRenderSeconds("garbled")).isNull();
	}

}
