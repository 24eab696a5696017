package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;

/**
 * The denoising UNet, run on the conditional rows of a batch and the unconditional rows of its guided images (those
 * with a guidance scale above 1) at once.
 */
@FunctionalInterface
interface UNet {

	/**
	 * Predicts the noise (or velocity) in the latents.
	 * @param latents float {@code (n + g, 4, H/8, W/8)}: the n latents, then again those of the g guided images
	 * @param timestep int64 scalar (shape {@code ()})
	 * @param embeddings float {@code (n + g, 77, D)}: n prompt embeddings, then the g guided images' negative-prompt
	 * embeddings
	 * @return float {@code (n + g, 4, H/8, W/8)}, in the manager of {@code latents}
	 */
	NDArray predict(NDArray latents, NDArray timestep, NDArray embeddings);

}
