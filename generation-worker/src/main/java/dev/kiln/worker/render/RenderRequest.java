package dev.kiln.worker.render;

import org.jspecify.annotations.Nullable;

/**
 * What to render: the part of a job message a generator needs.
 *
 * @param prompt what to draw
 * @param negativePrompt what to steer away from, or {@code null}
 * @param width output width in pixels
 * @param height output height in pixels
 * @param steps refinement steps
 * @param guidanceScale classifier-free guidance scale
 * @param seed the seed; the same request renders the same pixels
 * @param numImages images to render (image {@code i} uses seed {@code seed + i})
 * @param scheduler the sampler the job asked for (a {@code SchedulerType} configuration name), or {@code null}
 * for the model's default; generators without a choice ignore it (the gateway refuses other names for them)
 * @param initImage the image to start from (img2img), or {@code null} to start from noise; a generator that cannot
 * start from an image refuses a request with one ({@link ImageGenerator#imageToImage()})
 * @param clipSkip text encoder layers to skip for the prompt (diffusers' {@code clip_skip}: 1 = the penultimate
 * layer), or {@code null} for none; generators that cannot skip refuse it, those without a text encoder ignore it
 */
public record RenderRequest(String prompt, @Nullable String negativePrompt, int width, int height, int steps,
		double guidanceScale, long seed, int numImages, @Nullable String scheduler, @Nullable InitImage initImage,
		@Nullable Integer clipSkip) {

	public RenderRequest {
		if (initImage != null && (initImage.width() != width || initImage.height() != height)) {
			throw new IllegalArgumentException("The init image is " + initImage.width() + "x" + initImage.height()
					+ " but the job renders " + width + "x" + height);
		}
	}

	/** A text-to-image request that skips no text encoder layers. */
	public RenderRequest(String prompt, @Nullable String negativePrompt, int width, int height, int steps,
			double guidanceScale, long seed, int numImages, @Nullable String scheduler) {
		this(prompt, negativePrompt, width, height, steps, guidanceScale, seed, numImages, scheduler, null, null);
	}

	/** A request with the model's default sampler. */
	public RenderRequest(String prompt, @Nullable String negativePrompt, int width, int height, int steps,
			double guidanceScale, long seed, int numImages) {
		this(prompt, negativePrompt, width, height, steps, guidanceScale, seed, numImages, null);
	}

}
