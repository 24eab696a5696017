package dev.kiln.advisor.scaling;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.RedisKeys;
import dev.kiln.contract.WorkerHeartbeat;

/** Reads live workers from their heartbeats: a worker whose heartbeat key has expired is gone. */
@Component
class WorkerReader {

	private static final Logger logger = LoggerFactory.getLogger(WorkerReader.class);

	private final StringRedisTemplate redis;

	private final JsonMapper json;

	WorkerReader(StringRedisTemplate redis, JsonMapper json) {
		this.redis = redis;
		this.json = json;
	}

	List<WorkerHeartbeat> live() {
		Set<String> ids = this.redis.opsForZSet().range(RedisKeys.workers(), 0, -1);
		if (ids == null || ids.isEmpty()) {
			return List.of();
		}
		List<String> documents = this.redis.opsForValue().multiGet(ids.stream().map(RedisKeys::worker).toList());
		List<WorkerHeartbeat> workers = new ArrayList<>();
		if (documents != null) {
			for (String document : documents) {
				if (document != null) {
					try {
						workers.add(this.json.readValue(document, WorkerHeartbeat.class));
					}
					catch (JacksonException ex) {
						logger.debug("Ignoring an unreadable worker heartbeat", ex);
					}
				}
			}
		}
		return workers;
	}

	/** Measured mean render seconds of a model, or {@code null} when not measured yet. */
	@Nullable Double meanRenderSeconds(String model) {
		Object value = this.redis.opsForHash().get(RedisKeys.modelStats(model), "meanRenderSeconds");
		if (value == null) {
			return null;
		}
		try {
			double seconds = Double.parseDouble(value.toString());
			return (seconds > 0) ? seconds : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
