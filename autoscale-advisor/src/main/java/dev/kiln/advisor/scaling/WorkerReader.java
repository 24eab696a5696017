package dev.kiln.advisor.scaling;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.RedisKeys;
import dev.kiln.contract.WorkerHeartbeat;
import dev.kiln.support.heartbeat.WorkerHeartbeats;

/**
 * Reads live workers from their heartbeats ({@link WorkerHeartbeats}: a worker whose heartbeat key has expired is gone)
 * and the measured render time of a model.
 */
@Component
class WorkerReader {

	private final StringRedisTemplate redis;

	private final WorkerHeartbeats heartbeats;

	WorkerReader(StringRedisTemplate redis, JsonMapper json) {
		this.redis = redis;
		this.heartbeats = new WorkerHeartbeats(redis, json);
	}

	List<WorkerHeartbeat> live() {
		return this.heartbeats.live();
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
