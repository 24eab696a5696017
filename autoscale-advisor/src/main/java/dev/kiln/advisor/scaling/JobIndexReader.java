package dev.kiln.advisor.scaling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.advisor.policy.QueuedJob;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;

/**
 * Reads a lane's waiting jobs from the lane index ({@code {kiln}:lane:{lane}:queued}, scored by submit millis): the
 * oldest {@code max-listed-jobs} with their deadlines, the total count, and how long they take to render. Deadlines
 * never change, so each job's request is read once (through the {@link JobStore}, all jobs new to the window in one
 * round trip) and cached (bounded); a decision costs one {@code ZRANGE} of the listed window, one {@code ZCARD}, one
 * read of the records new to the window and one read per model of the window's measured render time, whatever the
 * lane's length.
 */
@Component
@RequiredArgsConstructor
class JobIndexReader {

	private static final Logger logger = LoggerFactory.getLogger(JobIndexReader.class);

	private static final int CACHE_LIMIT = 100_000;

	private final Map<String, JobInfo> cache = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, JobInfo> eldest) {
			return size() > CACHE_LIMIT;
		}
	});

	private final StringRedisTemplate redis;

	private final JobStore store;

	private final JsonMapper json;

	private final AdvisorProperties properties;

	/** The lane's waiting jobs, oldest first. */
	LaneJobs read(Lane lane) {
		String key = RedisKeys.laneQueued(lane);
		Long total = this.redis.opsForZSet().zCard(key);
		Set<TypedTuple<String>> window = this.redis.opsForZSet()
			.rangeWithScores(key, 0, this.properties.maxListedJobs() - 1L);
		List<TypedTuple<String>> tuples = (window != null) ? new ArrayList<>(window) : List.of();
		List<String> missing = new ArrayList<>();
		for (TypedTuple<String> tuple : tuples) {
			if (tuple.getValue() != null && !this.cache.containsKey(tuple.getValue())) {
				missing.add(tuple.getValue());
			}
		}
		if (!missing.isEmpty()) {
			load(missing);
		}
		Duration defaultDeadline = this.properties.defaultDeadline(lane);
		List<QueuedJob> listed = new ArrayList<>(tuples.size());
		Map<String, Integer> models = new HashMap<>();
		for (TypedTuple<String> tuple : tuples) {
			String id = tuple.getValue();
			Instant submitted = Instant.ofEpochMilli((tuple.getScore() != null) ? tuple.getScore().longValue() : 0);
			JobInfo info = (id != null) ? this.cache.get(id) : null;
			Instant deadline = (info != null && info.deadline() != null) ? info.deadline() : submitted.plus(defaultDeadline);
			listed.add(new QueuedJob(submitted, deadline));
			if (info != null) {
				models.merge(info.model(), 1, Integer::sum);
			}
		}
		long count = (total != null) ? total : listed.size();
		return new LaneJobs(listed, Math.max(0, count - listed.size()), renderSeconds(models));
	}

	private void load(List<String> ids) {
		for (JobRecord record : this.store.findAll(ids).values()) {
			if (record.request() != null) {
				try {
					JobMessage message = this.json.readValue(record.request(), JobMessage.class);
					this.cache.put(record.jobId(), new JobInfo(message.deadline(), message.model()));
				}
				catch (JacksonException | IllegalArgumentException ex) {
					logger.debug("Ignoring an unreadable job request of {}", record.jobId(), ex);
				}
			}
		}
	}

	/** Mean measured render seconds over the listed jobs' models, or the configured default. */
	private double renderSeconds(Map<String, Integer> models) {
		double sum = 0;
		int count = 0;
		for (Map.Entry<String, Integer> model : models.entrySet()) {
			Double mean = this.store.meanRenderSeconds(model.getKey());
			if (mean != null) {
				sum += mean * model.getValue();
				count += model.getValue();
			}
		}
		return (count > 0) ? sum / count : this.properties.renderSeconds();
	}

	/**
	 * A lane's waiting jobs.
	 *
	 * @param listed the oldest jobs with their deadlines
	 * @param notListed waiting jobs beyond the listed ones
	 * @param renderSeconds render seconds per job: the measured mean of the listed jobs' models, weighted by their
	 * jobs, or {@code kiln.advisor.render-seconds} while none of them is measured
	 */
	record LaneJobs(List<QueuedJob> listed, long notListed, double renderSeconds) {
	}

	private record JobInfo(@Nullable Instant deadline, String model) {
	}

}
