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
	 * @param embeddings float {@code (n + g, 77·k, D)}: n prompt embeddings, then the g guided images' negative-prompt
	 * embeddings (k chunks of 77 tokens, see {@link PromptEncoder})
	 * @return float {@code (n + g, 4, H/8, W/8)}, in the manager of {@code latents}
	 */
	NDArray predict(NDArray latents, NDArray timestep, NDArray embeddings);

	/**
	 * SDXL: predicts with the added conditions of diffusers' {@code added_cond_kwargs}.
	 * @param latents as {@link #predict(NDArray, NDArray, NDArray)}
	 * @param timestep as {@link #predict(NDArray, NDArray, NDArray)}
	 * @param embeddings as {@link #predict(NDArray, NDArray, NDArray)}, D = 2048 for SDXL (both encoders)
	 * @param textEmbeds float {@code (n + g, P)}: the second text encoder's pooled embedding of each row's text
	 * @param timeIds float {@code (n + g, 6)}: original height, width, crop top, left, target height, width
	 * @return float {@code (n + g, 4, H/8, W/8)}, in the manager of {@code latents}
	 * @throws IllegalStateException when the UNet takes no added conditions
	 */
	default NDArray predict(NDArray latents, NDArray timestep, NDArray embeddings, NDArray textEmbeds,
			NDArray timeIds) {
		throw new IllegalStateException("This UNet takes no added conditions (text_embeds, time_ids): not an SDXL UNet");
	}

}
