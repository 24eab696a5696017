package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;

/** The denoising UNet, run on the conditional and unconditional halves of a batch at once. */
@FunctionalInterface
interface UNet {

	/**
	 * Predicts the noise (or velocity) in the latents.
	 * @param latents float {@code (2n, 4, H/8, W/8)}: the n latents twice, conditional half first
	 * @param timestep int64 scalar (shape {@code ()})
	 * @param embeddings float {@code (2n, 77, D)}: n prompt embeddings, then n negative-prompt embeddings
	 * @return float {@code (2n, 4, H/8, W/8)}, in the manager of {@code latents}
	 */
	NDArray predict(NDArray latents, NDArray timestep, NDArray embeddings);

}
