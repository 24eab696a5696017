package dev.kiln.contract;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.jspecify.annotations.Nullable;

/**
 * A model a worker serves and the limits it renders within, published in worker heartbeats so the gateway can
 * validate model ids and sizes before accepting a job. The last five fields were added within schema version 1:
 * heartbeats written before them read as {@code null} and empty lists. Fields it does not know are ignored, as
 * {@link WorkerHeartbeat}'s are, so that a reader that fails on unknown fields (the gateway's) still reads the
 * heartbeats of workers a version ahead.
 *
 * @param id model id
 * @param type how it is loaded ({@code builtin}, {@code sd-torchscript}, {@code noop})
 * @param maxPixels largest width × height
 * @param maxSteps most steps
 * @param maxBatch most images per job
 * @param family the Stable Diffusion family ({@code sd1}, {@code sd2}, {@code sdxl}), or {@code null} when unknown
 * @param sizes the only sizes it renders; empty when any size within {@code maxPixels} is rendered
 * @param scheduler the sampler it renders with, or {@code null} when it has no choice
 * @param schedulers the samplers it can render with; empty when it has no choice
 * @param description what it renders, in a few words for people (the built-in model says it is not Stable
 * Diffusion), or {@code null} when the worker did not say
 * @param imageToImage whether it renders jobs with an {@code initImage} (its export has a VAE encoder and the
 * worker can start from an image); {@code false} in heartbeats written before the field
 * @param maxClipSkip the largest {@code clipSkip} a job may ask of it (its text encoder's layers less one when its
 * export keeps the hidden states), 0 when it cannot skip layers and in heartbeats written before the field
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelInfo(String id, String type, int maxPixels, int maxSteps, int maxBatch, @Nullable String family,
		List<ImageSize> sizes, @Nullable String scheduler, List<String> schedulers, @Nullable String description,
		@Nullable Boolean imageToImage, @Nullable Integer maxClipSkip) {

	public ModelInfo {
		sizes = (sizes != null) ? List.copyOf(sizes) : List.of();
		schedulers = (schedulers != null) ? List.copyOf(schedulers) : List.of();
		imageToImage = Boolean.TRUE.equals(imageToImage);
		maxClipSkip = (maxClipSkip != null) ? Math.max(0, maxClipSkip) : 0;
	}

	/**
	 * A model that cannot skip text encoder layers.
	 * @param id model id
	 * @param type how it is loaded
	 * @param maxPixels largest width × height
	 * @param maxSteps most steps
	 * @param maxBatch most images per job
	 * @param family the Stable Diffusion family, or {@code null}
	 * @param sizes the only sizes it renders; empty for any
	 * @param scheduler the sampler it renders with, or {@code null}
	 * @param schedulers the samplers it can render with
	 * @param description what it renders, or {@code null}
	 * @param imageToImage whether it renders jobs with an {@code initImage}
	 */
	public ModelInfo(String id, String type, int maxPixels, int maxSteps, int maxBatch, @Nullable String family,
			List<ImageSize> sizes, @Nullable String scheduler, List<String> schedulers, @Nullable String description,
			@Nullable Boolean imageToImage) {
		this(id, type, maxPixels, maxSteps, maxBatch, family, sizes, scheduler, schedulers, description, imageToImage,
				0);
	}

	/**
	 * A model that renders text-to-image only.
	 * @param id model id
	 * @param type how it is loaded
	 * @param maxPixels largest width × height
	 * @param maxSteps most steps
	 * @param maxBatch most images per job
	 * @param family the Stable Diffusion family, or {@code null}
	 * @param sizes the only sizes it renders; empty for any
	 * @param scheduler the sampler it renders with, or {@code null}
	 * @param schedulers the samplers it can render with
	 * @param description what it renders, or {@code null}
	 */
	public ModelInfo(String id, String type, int maxPixels, int maxSteps, int maxBatch, @Nullable String family,
			List<ImageSize> sizes, @Nullable String scheduler, List<String> schedulers, @Nullable String description) {
		this(id, type, maxPixels, maxSteps, maxBatch, family, sizes, scheduler, schedulers, description, false, 0);
	}

	/**
	 * A model known only by its limits (no manifest).
	 * @param id model id
	 * @param type how it is loaded
	 * @param maxPixels largest width × height
	 * @param maxSteps most steps
	 * @param maxBatch most images per job
	 */
	public ModelInfo(String id, String type, int maxPixels, int maxSteps, int maxBatch) {
		this(id, type, maxPixels, maxSteps, maxBatch, null, List.of(), null, List.of(), null, false, 0);
	}

}
