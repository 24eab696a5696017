package dev.kiln.worker.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.ImageSize;
import dev.kiln.contract.ModelInfo;
import dev.kiln.contract.RedisKeys;
import dev.kiln.contract.WorkerHeartbeat;
import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.model.ModelRegistry;
import dev.kiln.worker.model.ServedModel;

/**
 * Writes this worker's heartbeat ({@link WorkerHeartbeat} as JSON at {@code {kiln}:worker:{id}}, expiring after three
 * beats) and its score (the beat time) in {@code {kiln}:workers}, so the gateway knows which models are served and the
 * advisor which workers are busy.
 */
@Component
class HeartbeatPublisher {

	/** Beats a heartbeat document outlives. */
	static final int TTL_BEATS = 3;

	private final StringRedisTemplate redis;

	private final JsonMapper json;

	private final Clock clock;

	private final WorkerActivity activity;

	private final String workerId;

	private final Duration ttl;

	private final List<ModelInfo> models;

	private final String device;

	HeartbeatPublisher(StringRedisTemplate redis, JsonMapper json, Clock clock, WorkerActivity activity,
			ModelRegistry registry, WorkerProperties properties) {
		this.redis = redis;
		this.json = json;
		this.clock = clock;
		this.activity = activity;
		this.workerId = properties.id();
		this.ttl = properties.heartbeatInterval().multipliedBy(TTL_BEATS);
		this.models = registry.all()
			.stream()
			.map((model) -> modelInfo(model.id(), model.limits()))
			.toList();
		this.device = registry.all()
			.stream()
			.map((model) -> model.generator().device())
			.distinct()
			.collect(Collectors.joining(","));
	}

	/**
	 * What the gateway learns of a model: its limits, from its manifest its family, sizes and samplers, and what it
	 * renders.
	 */
	static ModelInfo modelInfo(String id, ServedModel.Limits limits) {
		return new ModelInfo(id, limits.type(), limits.maxPixels(), limits.maxSteps(), limits.maxBatch(),
				limits.family(), limits.sizes().stream().map((size) -> new ImageSize(size.width(), size.height())).toList(),
				limits.scheduler(), limits.schedulers(), limits.description(), limits.imageToImage(),
				limits.maxClipSkip());
	}

	/** Writes one beat. */
	void beat() {
		Instant now = this.clock.instant();
		WorkerHeartbeat heartbeat = new WorkerHeartbeat(WorkerHeartbeat.SCHEMA_VERSION, this.workerId, this.models,
				this.device, this.activity.busy(), this.activity.currentJob(), this.activity.startedAt(), now);
		this.redis.opsForValue().set(RedisKeys.worker(this.workerId), this.json.writeValueAsString(heartbeat), this.ttl);
		this.redis.opsForZSet().add(RedisKeys.workers(), this.workerId, now.toEpochMilli());
	}

	/** Removes the heartbeat: the worker is gone. */
	void remove() {
		this.redis.executePipelined(new SessionCallback<Object>() {
			@Override
			@SuppressWarnings({ "unchecked", "rawtypes" })
			public Object execute(RedisOperations operations) {
				operations.delete(RedisKeys.worker(HeartbeatPublisher.this.workerId));
				operations.opsForZSet().remove(RedisKeys.workers(), HeartbeatPublisher.this.workerId);
				return null;
			}
		});
	}

}
