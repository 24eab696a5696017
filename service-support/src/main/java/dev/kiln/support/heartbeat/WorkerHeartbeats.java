package dev.kiln.support.heartbeat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.RedisKeys;
import dev.kiln.contract.WorkerHeartbeat;

/**
 * Reads the heartbeats of the live workers. Every worker seen recently is in {@link RedisKeys#workers()}; its
 * heartbeat document {@link RedisKeys#worker(String)} expires with the heartbeat TTL, so a worker whose document is
 * gone is gone. Two round trips whatever the number of workers: the ids, then every document at once.
 */
public final class WorkerHeartbeats {

	private static final Logger logger = LoggerFactory.getLogger(WorkerHeartbeats.class);

	private final StringRedisTemplate redis;

	private final JsonMapper json;

	/**
	 * A reader over a Redis connection.
	 * @param redis the Redis the workers write their heartbeats to
	 * @param json reads the heartbeat documents
	 */
	public WorkerHeartbeats(StringRedisTemplate redis, JsonMapper json) {
		this.redis = redis;
		this.json = json;
	}

	/**
	 * The heartbeats of the live workers, in the order of {@link RedisKeys#workers()} (oldest heartbeat first).
	 * Unreadable documents are skipped (logged at debug): a worker of a newer version must not hide the others.
	 * @return the heartbeats, an unmodifiable list, empty when no worker is live
	 */
	public List<WorkerHeartbeat> live() {
		Set<String> ids = this.redis.opsForZSet().range(RedisKeys.workers(), 0, -1);
		if (ids == null || ids.isEmpty()) {
			return List.of();
		}
		List<String> documents = this.redis.opsForValue().multiGet(ids.stream().map(RedisKeys::worker).toList());
		if (documents == null) {
			return List.of();
		}
		List<WorkerHeartbeat> workers = new ArrayList<>();
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
		return List.copyOf(workers);
	}

}
