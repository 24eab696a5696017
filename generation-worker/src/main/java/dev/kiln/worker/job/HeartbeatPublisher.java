package dev.kiln.worker.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import lombok.RequiredArgsConstructor;
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
@RequiredArgsConstructor
class HeartbeatPublisher {

	/** Beats a heartbeat document outlives. */
	static final int TTL_BEATS = 3;

	private final StringRedisTemplate redis;

	private final JsonMapper json;

	private final Clock clock;

	private final WorkerActivity activity;

	private final ModelRegistry registry;

	private final WorkerProperties properties;

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

	/** Writes one beat: the models served and where they render, whether the worker is busy, and when. */
	void beat() {
		Instant now = this.clock.instant();
		String workerId = this.properties.id();
		List<ServedModel> served = this.registry.all();
		List<ModelInfo> models = served.stream().map((model) -> modelInfo(model.id(), model.limits())).toList();
		String device = served.stream()
			.map((model) -> model.generator().device())
			.distinct()
			.collect(Collectors.joining(","));
		WorkerHeartbeat heartbeat = new WorkerHeartbeat(WorkerHeartbeat.SCHEMA_VERSION, workerId, models, device,
				this.activity.busy(), this.activity.currentJob(), this.activity.startedAt(), now);
		Duration ttl = this.properties.heartbeatInterval().multipliedBy(TTL_BEATS);
		this.redis.opsForValue().set(RedisKeys.worker(workerId), this.json.writeValueAsString(heartbeat), ttl);
		this.redis.opsForZSet().add(RedisKeys.workers(), workerId, now.toEpochMilli());
	}

	/** Removes the heartbeat: the worker is gone. */
	void remove() {
		this.redis.executePipelined(new SessionCallback<Object>() {
			@Override
			@SuppressWarnings({ "unchecked", "rawtypes" })
			public Object execute(RedisOperations operations) {
				String workerId = HeartbeatPublisher.this.properties.id();
				operations.delete(RedisKeys.worker(workerId));
				operations.opsForZSet().remove(RedisKeys.workers(), workerId);
				return null;
			}
		});
	}

}
