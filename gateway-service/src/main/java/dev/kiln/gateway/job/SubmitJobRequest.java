package dev.kiln.gateway.job;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Future;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.hibernate.validator.constraints.UniqueElements;
import org.jspecify.annotations.Nullable;

import dev.kiln.contract.Lane;

/**
 * A request to generate images. Fields left out take the documented defaults.
 *
 * @param prompt what to draw
 * @param negativePrompt what to steer away from
 * @param model model id; the gateway's default model when left out
 * @param width width in pixels
 * @param height height in pixels
 * @param steps render steps
 * @param guidanceScale classifier-free guidance scale
 * @param seed seed for reproducible output; generated and returned when left out
 * @param numImages images to render
 * @param lane lane to wait in
 * @param deadline when the job should be done at the latest
 * @param callbackUrl where to POST webhook events about the job
 * @param webhookEvents the optional events to send besides the terminal ones
 * @param metadata the caller's own JSON object, echoed back (at most 4 KiB)
 * @param scheduler the sampler, one of the model's {@code schedulers} ({@code GET /v1/models}); the model's own
 * {@code scheduler} when left out
 * @param initImage the id of an image the tenant uploaded ({@code POST /v1/inputs}) to start from (img2img); its
 * size must be the job's {@code width} × {@code height}
 * @param strength with {@code initImage}: how much of it is redrawn, 0 to 1; the job runs the last
 * {@code int(steps × strength)} of its steps
 * @param clipSkip how many of the text encoder's last layers to skip (diffusers' {@code clip_skip}; 1 = the
 * penultimate layer, AUTOMATIC1111's "Clip skip 2"), at most the model's {@code maxClipSkip}; none when left out
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@Schema(description = "A request to generate images")
public record SubmitJobRequest(
		@Schema(description = "What to draw", example = "a lighthouse at dusk, oil painting",
				requiredMode = Schema.RequiredMode.REQUIRED) @NotBlank @Size(max = 2000) @Pattern(
						regexp = "[^\\p{Cc}\\p{Cs}\\x{FFFE}\\x{FFFF}]*",
						message = "must not contain control characters, lone surrogates or noncharacters") String prompt,
		@Schema(description = "What to steer away from; leave it out for none", example = "blurry") @Size(min = 1,
				max = 2000, message = "must be 1 to 2000 characters; leave the field out for none") @Pattern(
				regexp = "[^\\p{Cc}\\p{Cs}\\x{FFFE}\\x{FFFF}]*",
				message = "must not contain control characters, lone surrogates or noncharacters") @Nullable String negativePrompt,
		@Schema(description = "Model id", example = "kiln-builtin") @Size(max = 100) @Pattern(
				regexp = "[a-z0-9][a-z0-9._-]*",
				message = "must be lower-case letters, digits, '.', '_' or '-'") @Nullable String model,
		@Schema(description = "Width in pixels, a multiple of 8", example = "512",
				requiredMode = Schema.RequiredMode.REQUIRED) @NotNull @Min(64) @Max(2048) @MultipleOf(8) Integer width,
		@Schema(description = "Height in pixels, a multiple of 8", example = "512",
				requiredMode = Schema.RequiredMode.REQUIRED) @NotNull @Min(64) @Max(2048) @MultipleOf(8) Integer height,
		@Schema(description = "Render steps", example = "20", defaultValue = "20") @Min(1) @Max(150) @Nullable Integer steps,
		@Schema(description = "Guidance scale", example = "7.5", defaultValue = "7.5") @DecimalMin("0") @DecimalMax("30") @Nullable Double guidanceScale,
		@Schema(description = "Seed; generated when left out", example = "42") @Min(0) @Max(9007199254740991L) @Nullable Long seed,
		@Schema(description = "Images to render", example = "1", defaultValue = "1") @Min(1) @Max(8) @Nullable Integer numImages,
		@Schema(description = "Lane", example = "standard", defaultValue = "standard") @Nullable Lane lane,
		@Schema(description = "RFC 3339 time by which the job should be done; in the future, at most 7 days ahead",
				example = "2030-01-01T12:00:00Z") @Future @Nullable OffsetDateTime deadline,
		@Schema(description = "https URL to POST webhook events to; must resolve to public addresses",
				example = "https://example.com/kiln-webhook") @Size(min = 1, max = 2048,
						message = "must be 1 to 2048 characters; leave the field out for none") @Nullable String callbackUrl,
		@ArraySchema(arraySchema = @Schema(description = "Webhook events to send besides the terminal ones "
				+ "(job.succeeded, job.failed, job.cancelled, always sent); needs a callbackUrl unless empty",
				example = "[\"job.started\"]"), uniqueItems = true) @Size(max = 2) @UniqueElements(
						message = "must not list an event twice") @Nullable List<@NotNull WebhookEvent> webhookEvents,
		@Schema(description = "Your own JSON object (at most 4 KiB), echoed back on the job",
				example = "{\"order\": \"A-17\"}") @Nullable Map<String, @Nullable Object> metadata,
		@Schema(description = "Sampler: one of the model's schedulers (GET /v1/models); the model's default "
				+ "scheduler when left out. A model without a choice (an empty list) accepts none",
				example = "dpm++2m-karras") @Size(max = 40) @Pattern(regexp = "[a-z0-9][a-z0-9+._-]*",
						message = "must be lower-case letters, digits, '+', '.', '_' or '-'") @Nullable String scheduler,
		@Schema(description = "Id of an uploaded image (POST /v1/inputs) to start from (img2img); its size must be "
				+ "width × height, and the model must announce img2img",
				example = "019a7b2c-3d4e-7f01-8a2b-3c4d5e6f7a8b") @Size(max = 36) @Nullable String initImage,
		@Schema(description = "Only with initImage: how much of it is redrawn, 0 (nothing) to 1 (all), 0.8 when left "
				+ "out; the job runs the last int(steps × strength) of its steps", example = "0.8") @DecimalMin("0") @DecimalMax("1") @Nullable Double strength,
		@Schema(description = "How many of the text encoder's last layers to skip (diffusers' clip_skip: 1 uses the "
				+ "penultimate layer, what AUTOMATIC1111 calls Clip skip 2); at most the model's maxClipSkip "
				+ "(GET /v1/models). None when left out", example = "1") @Min(1) @Max(12) @Nullable Integer clipSkip) {

	static final int DEFAULT_STEPS = 20;

	/**
	 * Every sampler Kiln's workers have (the generation worker's {@code SchedulerType} names): what a job may name for
	 * a model no live worker has announced yet.
	 */
	static final List<String> SCHEDULERS = List.of("pndm", "ddim", "euler-ancestral", "euler", "dpm++2m",
			"dpm++2m-karras", "lcm");

	static final double DEFAULT_GUIDANCE_SCALE = 7.5;

	/** The strength of an img2img job that names none: diffusers' {@code StableDiffusionImg2ImgPipeline} default. */
	static final double DEFAULT_STRENGTH = 0.8;

}
