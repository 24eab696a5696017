package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;

/** The CLIP text encoder: token ids to the per-token embeddings the UNet attends to. */
@FunctionalInterface
interface TextEncoder {

	/**
	 * Encodes one tokenized prompt.
	 * @param ids int64 {@code (1, 77)}
	 * @return float {@code (1, 77, D)} (D = 768 for SD 1.x, 1024 for SD 2.x), in the manager of {@code ids}
	 */
	NDArray encode(NDArray ids);

}
