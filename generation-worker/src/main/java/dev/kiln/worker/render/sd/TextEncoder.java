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

	/**
	 * Encodes one tokenized prompt with the encoder's last {@code clipSkip} layers skipped, as diffusers'
	 * {@code encode_prompt} does with {@code clip_skip} (SD 1.x/2.x: the final layer norm of the state
	 * {@code clipSkip} layers before the last; SDXL: the state {@code clipSkip} layers before the penultimate).
	 * @param ids int64 {@code (1, 77)}
	 * @param clipSkip layers to skip, 0 for {@link #encode(NDArray)}
	 * @return float {@code (1, 77, D)}, in the manager of {@code ids}
	 * @throws IllegalStateException when this encoder cannot skip that many layers
	 */
	default NDArray encode(NDArray ids, int clipSkip) {
		if (clipSkip == 0) {
			return encode(ids);
		}
		throw new IllegalStateException("This text encoder cannot skip layers (clip skip " + clipSkip + ")");
	}

	/**
	 * {@link #encodeWithPooled(NDArray)} with the last {@code clipSkip} layers skipped; the pooled embedding does not
	 * change with clip skip (diffusers' SDXL pipeline).
	 * @param ids int64 {@code (1, 77)}
	 * @param clipSkip layers to skip, 0 for none
	 * @return float {@code (1, 77, D)} and float {@code (1, P)}, in the manager of {@code ids}
	 * @throws IllegalStateException when this encoder has no pooled output or cannot skip that many layers
	 */
	default NDList encodeWithPooled(NDArray ids, int clipSkip) {
		if (clipSkip == 0) {
			return encodeWithPooled(ids);
		}
		throw new IllegalStateException("This text encoder cannot skip layers (clip skip " + clipSkip + ")");
	}

}
