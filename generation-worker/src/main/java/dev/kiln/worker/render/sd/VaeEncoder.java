package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** The VAE encoder ({@code vae_encoder.pt}): pixels to the latent distribution, for img2img. */
@FunctionalInterface
interface VaeEncoder {

	/**
	 * Encodes images.
	 * @param images float {@code (n, 3, H, W)} in [−1, 1]
	 * @return the diagonal Gaussian's {@code (mean, std)}, each float {@code (n, C, H/8, W/8)}, unscaled (not yet
	 * multiplied by the VAE scaling factor), in the manager of {@code images}
	 */
	NDList encode(NDArray images);

}
