package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** The CLIP text encoder: token ids to the per-token embeddings the UNet attends to. */
@FunctionalInterface
interface TextEncoder {

	/**
	 * Encodes one tokenized prompt.
	 * @param ids int64 {@code (1, 77)}
	 * @return float {@code (1, 77, D)} (D = 768 for SD 1.x, 1024 for SD 2.x; SDXL's encoders: the penultimate hidden
	 * state, 768 and 1280), in the manager of {@code ids}
	 */
	NDArray encode(NDArray ids);

	/**
	 * Encodes one tokenized prompt into its hidden states and its pooled embedding (SDXL's second encoder, a CLIP text
	 * model with projection: {@code text_embeds}).
	 * @param ids int64 {@code (1, 77)}
	 * @return float {@code (1, 77, D)} and float {@code (1, P)}, in the manager of {@code ids}
	 * @throws IllegalStateException when this encoder has no pooled output
	 */
	default NDList encodeWithPooled(NDArray ids) {
		throw new IllegalStateException("This text encoder gives no pooled output");
	}

}
