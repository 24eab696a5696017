package dev.kiln.contract;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.jspecify.annotations.Nullable;

/**
 * What a worker reports about a job, on the events queue. The queue service folds events into the job record; events
 * may arrive twice or out of order, so every field needed to apply an event is carried by the event itself.
 *
 * @param schemaVersion the contract version that wrote the event, {@value #SCHEMA_VERSION} today
 * @param jobId the job
 * @param type what happened
 * @param step the step just finished ({@code PROGRESS}) or reached, else {@code null}
 * @param totalSteps the steps the render takes, else {@code null}
 * @param outputKeys object keys of the outputs ({@code SUCCEEDED}: images, then metadata; {@code PROGRESS}: the
 * preview image, if one was written); empty otherwise
 * @param errorType a stable, machine-readable error type ({@code FAILED}), else {@code null}
 * @param errorDetail a human-readable explanation ({@code FAILED}), else {@code null}
 * @param attempt the delivery attempt, from 1
 * @param workerId the worker that sent the event
 * @param timestamp when the worker sent it
 * @param renderSeconds seconds the attempt spent rendering in the model ({@code SUCCEEDED}), else {@code null};
 * added in schema version 1 without a version bump since readers ignore fields they do not know
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobEvent(int schemaVersion, String jobId, JobEventType type, @Nullable Integer step,
		@Nullable Integer totalSteps, List<String> outputKeys, @Nullable String errorType,
		@Nullable String errorDetail, int attempt, @Nullable String workerId, Instant timestamp,
		@Nullable Double renderSeconds) {

	/** The version this contract writes. */
	public static final int SCHEMA_VERSION = 1;

	public JobEvent {
		Objects.requireNonNull(jobId, "jobId");
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(timestamp, "timestamp");
		outputKeys = (outputKeys != null) ? List.copyOf(outputKeys) : List.of();
		if (schemaVersion < 1 || schemaVersion > SCHEMA_VERSION) {
			throw new IllegalArgumentException(
					"Unsupported job event schemaVersion " + schemaVersion + "; this reader knows 1.." + SCHEMA_VERSION);
		}
	}

	/** A worker began an attempt. */
	public static JobEvent started(String jobId, int totalSteps, int attempt, String workerId, Instant at) {
		return new JobEvent(SCHEMA_VERSION, jobId, JobEventType.STARTED, 0, totalSteps, List.of(), null, null,
				attempt, workerId, at, null);
	}

	/** A render step finished. */
	public static JobEvent progress(String jobId, int step, int totalSteps, int attempt, String workerId, Instant at) {
		return new JobEvent(SCHEMA_VERSION, jobId, JobEventType.PROGRESS, step, totalSteps, List.of(), null, null,
				attempt, workerId, at, null);
	}

	/** Every output is durable. */
	public static JobEvent succeeded(String jobId, int totalSteps, List<String> outputKeys, int attempt,
			String workerId, Instant at) {
		return succeeded(jobId, totalSteps, outputKeys, attempt, workerId, at, null);
	}

	/** Every output is durable; the render took {@code renderSeconds} in the model. */
	public static JobEvent succeeded(String jobId, int totalSteps, List<String> outputKeys, int attempt,
			String workerId, Instant at, @Nullable Double renderSeconds) {
		return new JobEvent(SCHEMA_VERSION, jobId, JobEventType.SUCCEEDED, totalSteps, totalSteps, outputKeys, null,
				null, attempt, workerId, at, renderSeconds);
	}

	/** The job failed and will not be retried by the worker that sends this. */
	public static JobEvent failed(String jobId, String errorType, String errorDetail, int attempt, String workerId,
			Instant at) {
		return new JobEvent(SCHEMA_VERSION, jobId, JobEventType.FAILED, null, null, List.of(), errorType, errorDetail,
				attempt, workerId, at, null);
	}

	/** The attempt ended without a result and the message went back to its queue. */
	public static JobEvent released(String jobId, int step, int totalSteps, String errorType, String errorDetail,
			int attempt, String workerId, Instant at) {
		return new JobEvent(SCHEMA_VERSION, jobId, JobEventType.RELEASED, step, totalSteps, List.of(), errorType,
				errorDetail, attempt, workerId, at, null);
	}

	/** The job stopped because it was cancelled. */
	public static JobEvent cancelled(String jobId, int attempt, String workerId, Instant at) {
		return new JobEvent(SCHEMA_VERSION, jobId, JobEventType.CANCELLED, null, null, List.of(), null, null, attempt,
				workerId, at, null);
	}

}
