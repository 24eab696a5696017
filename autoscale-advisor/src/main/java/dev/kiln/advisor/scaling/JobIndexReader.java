package dev.kiln.advisor.scaling;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.advisor.policy.QueuedJob;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

/**
 * Reads a lane's waiting jobs from the lane index ({@code {kiln}:lane:{lane}:queued}, scored by submit millis): the
 * oldest {@code max-listed-jobs} with their deadlines, plus the total count. Deadlines never change, so each job's
 * request is read once and cached (bounded); a decision costs one {@code ZRANGE} of the listed window, one
 * {@code ZCARD} and one request read per job new to the window, whatever the lane's length.
 */
@Component
class JobIndexReader {

	private static final Logger logger = LoggerFactory.getLogger(JobIndexReader.class);

	private static final int CACHE_LIMIT = 100_000;

	private final StringRedisTemplate redis;

	private final JsonMapper json;

	private final AdvisorProperties.Advisor properties;

	private final Map<String, JobInfo> cache = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, JobInfo> eldest) {
			return size() > CACHE_LIMIT;
		}
	});

	JobIndexReader(StringRedisTemplate redis, JsonMapper json, AdvisorProperties properties) {
		this.redis = redis;
		this.json = json;
		this.properties = properties.advisor();
	}

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
		return new LaneJobs(listed, Math.max(0, count - listed.size()), models);
	}

	private void load(List<String> ids) {
		List<Object> requests = this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			for (String id : ids) {
				connection.hashCommands()
					.hGet(RedisKeys.job(id).getBytes(StandardCharsets.UTF_8),
							JobFields.REQUEST.getBytes(StandardCharsets.UTF_8));
			}
			return null;
		});
		for (int i = 0; i < ids.size(); i++) {
			Object request = (i < requests.size()) ? requests.get(i) : null;
			if (request instanceof String text) {
				try {
					JobMessage message = this.json.readValue(text, JobMessage.class);
					this.cache.put(ids.get(i), new JobInfo(message.deadline(), message.model()));
				}
				catch (JacksonException | IllegalArgumentException ex) {
					logger.debug("Ignoring an unreadable job request of {}", ids.get(i), ex);
				}
			}
		}
	}

	/**
	 * A lane's waiting jobs.
	 *
	 * @param listed the oldest jobs with their deadlines
	 * @param notListed waiting jobs beyond the listed ones
	 * @param models how many listed jobs ask for each model
	 */
	record LaneJobs(List<QueuedJob> listed, long notListed, Map<String, Integer> models) {
	}

	private record JobInfo(@Nullable Instant deadline, String model) {
	}

}
