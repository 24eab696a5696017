package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;

/** The VAE decoder: latents to pixels. */
@FunctionalInterface
interface VaeDecoder {

	/**
	 * Decodes latents already divided by the VAE scaling factor 0.18215.
	 * @param latents float {@code (n, 4, H/8, W/8)}
	 * @return float {@code (n, 3, H, W)} in about [−1, 1], in the manager of {@code latents}
	 */
	NDArray decode(NDArray latents);

}
