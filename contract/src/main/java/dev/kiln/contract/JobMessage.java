package dev.kiln.contract;

import java.time.Instant;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param initImage (version 2) the id of an uploaded input of the same tenant to start from (img2img,
 * {@link ObjectKeys#input}), or {@code null} to start from noise; a version 1 message reads as {@code null}
 * @param strength (version 2) how much of the init image is redrawn, 0 to 1: the job runs the last
 * {@code min(int(steps × strength), steps)} of its steps; set exactly when {@code initImage} is
 * (the version 2 fields are left out of the JSON when {@code null}, so a version 1 message reads exactly as the
 * previous release wrote it)
 * @param clipSkip (version 2) how many of the text encoder's last layers to skip (diffusers' {@code clip_skip}: 1 uses
 * the penultimate layer's output, which AUTOMATIC1111 calls "Clip skip 2"), or {@code null} for none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobMessage(int schemaVersion, String jobId, String tenant, String model, String prompt,
		@Nullable String negativePrompt, int width, int height, int steps, double guidanceScale, long seed,
		int numImages, Lane lane, Instant submittedAt, @Nullable Instant deadline, @Nullable String scheduler,
		@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String initImage,
		@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Double strength,
		@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Integer clipSkip) {

	/**
	 * The newest version this contract reads and writes; 2 added {@code initImage}, {@code strength} and
	 * {@code clipSkip}. A message that uses none of them is written as version 1 ({@link #versionFor}), so that
	 * workers of the previous release still take every job they can render correctly.
	 */
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
		if (clipSkip != null && clipSkip < 1) {
			throw new IllegalArgumentException("clipSkip must be at least 1 (or absent), not " + clipSkip);
		}
		if (schemaVersion < versionFor(initImage, clipSkip)) {
			throw new IllegalArgumentException("initImage, strength and clipSkip need schemaVersion 2, not "
					+ schemaVersion);
		}
	}

	/**
	 * The version a message must be written with: 2 when it uses a version 2 field, else 1. A version 1 worker
	 * refuses a version 2 message instead of ignoring an init image or a clip skip it does not know.
	 * @param initImage the init image, or {@code null}
	 * @param clipSkip the clip skip, or {@code null}
	 * @return 1 or 2
	 */
	public static int versionFor(@Nullable String initImage, @Nullable Integer clipSkip) {
		return (initImage != null || clipSkip != null) ? 2 : 1;
	}

	/**
	 * A text-to-image message for the model's default sampler (as written before {@code scheduler} existed).
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
				numImages, lane, submittedAt, deadline, null);
	}

	/**
	 * A text-to-image message (no init image, no clip skip), as every message was before version 2.
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
	 * @param scheduler the sampler the job asked for, or {@code null} for the model's default
	 */
	public JobMessage(int schemaVersion, String jobId, String tenant, String model, String prompt,
			@Nullable String negativePrompt, int width, int height, int steps, double guidanceScale, long seed,
			int numImages, Lane lane, Instant submittedAt, @Nullable Instant deadline, @Nullable String scheduler) {
		this(schemaVersion, jobId, tenant, model, prompt, negativePrompt, width, height, steps, guidanceScale, seed,
				numImages, lane, submittedAt, deadline, scheduler, null, null, null);
	}

}
