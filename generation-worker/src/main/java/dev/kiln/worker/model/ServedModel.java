package dev.kiln.worker.model;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.render.ImageGenerator;
import dev.kiln.worker.render.sd.ModelManifest;

/**
 * A loaded model and the limits it renders within.
 *
 * @param id the model id
 * @param generator the loaded generator
 * @param config its configuration ({@code kiln.worker.models.<id>}, the device resolved against the worker's)
 * @param limits its limits: from its {@code kiln-model.json} when it has one, narrowed by configuration
 */
public record ServedModel(String id, ImageGenerator generator, WorkerProperties.Model config, Limits limits) {

	/**
	 * A model without a manifest, its limits from its configuration alone.
	 * @param id the model id
	 * @param generator the loaded generator
	 * @param config its configuration
	 */
	public ServedModel(String id, ImageGenerator generator, WorkerProperties.Model config) {
		this(id, generator, config, ModelRegistry.limits(id, config, null, config.scheduler(), List.of()));
	}

	/**
	 * What a model renders.
	 *
	 * @param type how it is loaded ({@code builtin}, {@code sd-torchscript}, {@code noop})
	 * @param maxPixels largest width × height
	 * @param maxSteps most steps
	 * @param maxBatch most images per job, and per forward pass
	 * @param sizes the only sizes it renders, or empty for any size its generator takes within {@code maxPixels}
	 * @param family the Stable Diffusion family from the manifest ({@code sd1}, {@code sd2}, {@code sdxl}), if any
	 * @param scheduler the sampler it renders with, if it has a choice
	 * @param schedulers the samplers it could render with
	 * @param imageToImage whether it renders jobs with an init image ({@link ImageGenerator#imageToImage()})
	 * @param maxClipSkip the largest {@code clipSkip} it honours, 0 when it cannot skip text encoder layers
	 */
	public record Limits(String type, int maxPixels, int maxSteps, int maxBatch, List<ModelManifest.Size> sizes,
			@Nullable String family, @Nullable String scheduler, List<String> schedulers, boolean imageToImage,
			int maxClipSkip) {

		/** What {@link #description()} says of the built-in model. */
		public static final String BUILTIN_DESCRIPTION = "renders abstract patterns from the prompt's words "
				+ "(offline built-in, not Stable Diffusion)";

		public Limits {
			sizes = List.copyOf(sizes);
			schedulers = List.copyOf(schedulers);
		}

		/** Limits of a text-to-image model that cannot skip text encoder layers. */
		public Limits(String type, int maxPixels, int maxSteps, int maxBatch, List<ModelManifest.Size> sizes,
				@Nullable String family, @Nullable String scheduler, List<String> schedulers) {
			this(type, maxPixels, maxSteps, maxBatch, sizes, family, scheduler, schedulers, false, 0);
		}

		/**
		 * What the model renders, in a few words for people: announced in heartbeats, listed by the gateway's
		 * {@code /v1/models} and shown on its web page, so nobody takes the built-in model's patterns for Stable
		 * Diffusion.
		 * @return the description
		 */
		public String description() {
			return switch (this.type) {
				case "builtin" -> BUILTIN_DESCRIPTION;
				case "noop" -> "plain grey images at no cost, for measuring Kiln itself (not a real model)";
				default -> "Stable Diffusion" + ((this.family != null) ? " (" + this.family + ")" : "")
						+ ", exported TorchScript";
			};
		}

	}

	/**
	 * Why this model cannot render a job of that shape, or {@code null} when it can.
	 * @param width width in pixels
	 * @param height height in pixels
	 * @param steps render steps
	 * @param images images requested
	 * @return a human-readable reason, or {@code null}
	 */
	public @Nullable String refusal(int width, int height, int steps, int images) {
		return refusal(width, height, steps, images, null);
	}

	/**
	 * Why this model cannot render a job, or {@code null} when it can; also refuses a sampler it does not announce
	 * (a model without a choice, the built-in one, refuses any named sampler).
	 * @param width image width
	 * @param height image height
	 * @param steps render steps
	 * @param images images of the job
	 * @param scheduler the sampler the job names, or {@code null} for the model's default
	 * @return the reason, or {@code null}
	 */
	public @Nullable String refusal(int width, int height, int steps, int images, @Nullable String scheduler) {
		return refusal(width, height, steps, images, scheduler, false, null);
	}

	/**
	 * Why this model cannot render a job, or {@code null} when it can: also refuses an init image when it renders
	 * text-to-image only, and a clip skip above its {@code maxClipSkip} (every clip skip when that is 0), so such a job
	 * fails at once instead of rendering as if the field were absent.
	 * @param width image width
	 * @param height image height
	 * @param steps render steps
	 * @param images images of the job
	 * @param scheduler the sampler the job names, or {@code null} for the model's default
	 * @param initImage whether the job starts from an init image
	 * @param clipSkip the clip skip the job asks for, or {@code null}
	 * @return the reason, or {@code null}
	 */
	public @Nullable String refusal(int width, int height, int steps, int images, @Nullable String scheduler,
			boolean initImage, @Nullable Integer clipSkip) {
		if (initImage && !this.limits.imageToImage()) {
			return "Model '" + this.id + "' renders text-to-image only; it cannot start from an init image";
		}
		if (clipSkip != null && clipSkip > this.limits.maxClipSkip()) {
			return "Model '" + this.id + "' " + ((this.limits.maxClipSkip() == 0) ? "cannot skip text encoder layers"
					: "skips at most " + this.limits.maxClipSkip() + " text encoder layers") + "; asked for clipSkip "
					+ clipSkip;
		}
		if (scheduler != null && !this.limits.schedulers().contains(scheduler)) {
			return "Model '" + this.id + "' does not render with scheduler '" + scheduler + "'; "
					+ (this.limits.schedulers().isEmpty() ? "it has no choice of scheduler"
							: "its schedulers: " + String.join(", ", this.limits.schedulers()));
		}
		if (!this.limits.sizes().isEmpty() && !this.limits.sizes().contains(new ModelManifest.Size(width, height))) {
			return "Model '" + this.id + "' renders only the sizes " + this.limits.sizes() + "; " + width + "x" + height
					+ " is not one of them";
		}
		if ((long) width * height > this.limits.maxPixels()) {
			return "Model '" + this.id + "' renders at most " + this.limits.maxPixels() + " pixels; " + width + "x"
					+ height + " is " + ((long) width * height);
		}
		if (steps > this.limits.maxSteps()) {
			return "Model '" + this.id + "' renders at most " + this.limits.maxSteps() + " steps; asked for " + steps;
		}
		if (images > this.limits.maxBatch()) {
			return "Model '" + this.id + "' renders at most " + this.limits.maxBatch() + " images per job; asked for "
					+ images;
		}
		return null;
	}

}
