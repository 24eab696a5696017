package dev.kiln.contract;

import java.time.Instant;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.jspecify.annotations.Nullable;

/**
 * The message the gateway puts on a lane's jobs queue: everything a worker needs to render a job.
 *
 * @param schemaVersion the contract version that wrote the message, {@value #SCHEMA_VERSION} today
 * @param jobId time-ordered job id (UUIDv7, see {@link JobIds})
 * @param tenant the tenant that owns the job
 * @param model the model id a worker must serve
 * @param prompt what to draw
 * @param negativePrompt what to steer away from, or {@code null}
 * @param width image width in pixels, a multiple of 8
 * @param height image height in pixels, a multiple of 8
 * @param steps render steps
 * @param guidanceScale classifier-free guidance scale
 * @param seed the seed; the same request and seed render the same image
 * @param numImages images to render
 * @param lane the lane the job waits in
 * @param submittedAt when the gateway accepted the job
 * @param deadline when the job should be finished at the latest, or {@code null}
 * @param scheduler the sampler the job asked for (one the model announces in {@link ModelInfo#schedulers()}), or
 * {@code null} for the model's default. Added within schema version 1 (an optional field, which readers that ignore
 * unknown fields accept): messages written before it read as {@code null}. A worker older than the field ignores it
 * and renders with the model's default sampler
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobMessage(int schemaVersion, String jobId, String tenant, String model, String prompt,
		@Nullable String negativePrompt, int width, int height, int steps, double guidanceScale, long seed,
		int numImages, Lane lane, Instant submittedAt, @Nullable Instant deadline, @Nullable String scheduler) {

	/** The version this contract writes. */
	public static final int SCHEMA_VERSION = 1;

	public JobMessage {
		Objects.requireNonNull(jobId, "jobId");
		Objects.requireNonNull(tenant, "tenant");
		Objects.requireNonNull(model, "model");
		Objects.requireNonNull(prompt, "prompt");
		Objects.requireNonNull(lane, "lane");
		Objects.requireNonNull(submittedAt, "submittedAt");
		if (schemaVersion < 1 || schemaVersion > SCHEMA_VERSION) {
			throw new IllegalArgumentException(
					"Unsupported job message schemaVersion " + schemaVersion + "; this reader knows 1.." + SCHEMA_VERSION);
		}
	}

	/** A message for the model's default sampler (as written before {@code scheduler} existed). */
	public JobMessage(int schemaVersion, String jobId, String tenant, String model, String prompt,
			@Nullable String negativePrompt, int width, int height, int steps, double guidanceScale, long seed,
			int numImages, Lane lane, Instant submittedAt, @Nullable Instant deadline) {
		this(schemaVersion, jobId, tenant, model, prompt, negativePrompt, width, height, steps, guidanceScale, seed,
				numImages, lane, submittedAt, deadline, null);
	}

}
