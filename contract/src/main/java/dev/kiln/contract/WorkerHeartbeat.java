package dev.kiln.contract;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.jspecify.annotations.Nullable;

/**
 * A worker's heartbeat, stored as JSON at {@link RedisKeys#worker(String)} with a TTL of a few beats and indexed in
 * {@link RedisKeys#workers()}. A worker whose key expired is gone.
 *
 * @param schemaVersion the contract version that wrote it
 * @param workerId the worker
 * @param models the models it serves
 * @param device the device it renders on
 * @param busy whether it is rendering now
 * @param jobId the job it is rendering, or {@code null}
 * @param startedAt when the worker process started
 * @param beatAt when this heartbeat was written
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkerHeartbeat(int schemaVersion, String workerId, List<ModelInfo> models, String device, boolean busy,
		@Nullable String jobId, Instant startedAt, Instant beatAt) {

	/** The version this contract writes. */
	public static final int SCHEMA_VERSION = 1;

	public WorkerHeartbeat {
		Objects.requireNonNull(workerId, "workerId");
		models = (models != null) ? List.copyOf(models) : List.of();
	}

}
