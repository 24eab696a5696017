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
 * @param initImage (version 2) the id of an uploaded input of the same tenant to start from (img2img,
 * {@link ObjectKeys#input}), or {@code null} to start from noise; a version 1 message reads as {@code null}
 * @param strength (version 2) how much of the init image is redrawn, 0 to 1: the job runs the last
 * {@code min(int(steps × strength), steps)} of its steps; set exactly when {@code initImage} is
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobMessage(int schemaVersion, String jobId, String tenant, String model, String prompt,
		@Nullable String negativePrompt, int width, int height, int steps, double guidanceScale, long seed,
		int numImages, Lane lane, Instant submittedAt, @Nullable Instant deadline, @Nullable String initImage,
		@Nullable Double strength) {

	/** The version this contract writes; 2 added {@code initImage} and {@code strength}. */
	public static final int SCHEMA_VERSION = 2;

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
		if ((initImage == null) != (strength == null)) {
			throw new IllegalArgumentException("initImage and strength come together: initImage " + initImage
					+ ", strength " + strength);
		}
		if (strength != null && !(strength >= 0 && strength <= 1)) {
			throw new IllegalArgumentException("strength must be 0 to 1, not " + strength);
		}
	}

	/**
	 * A text-to-image message (no init image), as every message was before version 2.
	 * @param schemaVersion the contract version that wrote the message
	 * @param jobId time-ordered job id
	 * @param tenant the tenant that owns the job
	 * @param model the model id
	 * @param prompt what to draw
	 * @param negativePrompt what to steer away from, or {@code null}
	 * @param width image width in pixels
	 * @param height image height in pixels
	 * @param steps render steps
	 * @param guidanceScale classifier-free guidance scale
	 * @param seed the seed
	 * @param numImages images to render
	 * @param lane the lane the job waits in
	 * @param submittedAt when the gateway accepted the job
	 * @param deadline when the job should be finished at the latest, or {@code null}
	 */
	public JobMessage(int schemaVersion, String jobId, String tenant, String model, String prompt,
			@Nullable String negativePrompt, int width, int height, int steps, double guidanceScale, long seed,
			int numImages, Lane lane, Instant submittedAt, @Nullable Instant deadline) {
		this(schemaVersion, jobId, tenant, model, prompt, negativePrompt, width, height, steps, guidanceScale, seed,
				numImages, lane, submittedAt, deadline, null, null);
	}

}
