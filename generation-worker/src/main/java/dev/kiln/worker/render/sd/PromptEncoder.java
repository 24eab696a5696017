package dev.kiln.worker.render.sd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.jspecify.annotations.Nullable;

/**
 * Prompts to the conditioning the UNet reads, for one text encoder (SD 1.x/2.x) or SDXL's two.
 * <p>
 * <b>Long prompts</b> (AUTOMATIC1111's convention, {@code modules/sd_hijack_clip.py}): a prompt of more than 75
 * tokens is cut into runs of 75 tokens, each run wrapped in begin- and end-of-text and padded to 77
 * ({@link PromptTokenizer#chunks}), each chunk encoded on its own and the hidden states concatenated along the
 * sequence axis: {@code (1, 77·k, D)}. All texts of one batch (prompts and negative prompts) take the same number of
 * chunks k, the largest any of them needs; shorter ones are padded with empty chunks (begin, end, padding), encoded
 * like any other. Unlike AUTOMATIC1111, a chunk is not ended early at a comma near its end.
 * <p>
 * <b>SDXL</b> (diffusers' {@code StableDiffusionXLPipeline.encode_prompt}): each chunk goes through both encoders,
 * whose hidden states (the penultimate ones, as {@code tools/export-model} traces them) are concatenated along the
 * channel axis (768 + 1280 = 2048); the pooled embedding is the second encoder's {@code text_embeds} of the first
 * chunk (as AUTOMATIC1111 keeps {@code zs[0].pooled}; with one chunk, exactly diffusers'). A missing negative prompt
 * ({@code null}, diffusers' {@code negative_prompt is None}) is zeros, hidden and pooled, when the model's
 * {@code force_zeros_for_empty_prompt} is set, and the empty prompt's encoding otherwise.
 * <p>
 * <b>Clip skip</b> ({@link Text#clipSkip}, diffusers' {@code clip_skip}): each chunk is encoded with the encoders'
 * last layers skipped ({@link TextEncoder#encode(NDArray, int)}); SDXL's pooled embedding stays the final one. The
 * generator asks it for prompts only: diffusers' {@code encode_prompt} encodes the negative prompt without it.
 */
final class PromptEncoder {

	/**
	 * One text's conditioning.
	 *
	 * @param hidden float {@code (1, 77·k, D)}
	 * @param pooled float {@code (1, P)} for SDXL, else {@code null}
	 */
	record Embedding(NDArray hidden, @Nullable NDArray pooled) {
	}

	/**
	 * A text to encode.
	 *
	 * @param text the prompt, or {@code null} for a request without a negative prompt
	 * @param clipSkip the text encoder layers to skip, 0 for none
	 */
	record Text(@Nullable String text, int clipSkip) {

		Text {
			if (clipSkip < 0) {
				throw new IllegalArgumentException("clipSkip must be at least 0 but was " + clipSkip);
			}
		}

	}

	/**
	 * A tokenizer and the encoder that reads its ids.
	 *
	 * @param tokenizer the tokenizer
	 * @param encoder the text encoder
	 */
	record Stage(PromptTokenizer tokenizer, TextEncoder encoder) {
	}

	private final Stage first;

	private final @Nullable Stage second;

	private final boolean forceZerosForEmptyPrompt;

	private final int maxClipSkip;

	private PromptEncoder(Stage first, @Nullable Stage second, boolean forceZerosForEmptyPrompt, int maxClipSkip) {
		this.first = first;
		this.second = second;
		this.forceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
		this.maxClipSkip = maxClipSkip;
	}

	/** SD 1.x/2.x: one encoder; a missing negative prompt is the empty prompt. */
	static PromptEncoder single(PromptTokenizer tokenizer, TextEncoder encoder) {
		return single(tokenizer, encoder, 0);
	}

	/**
	 * SD 1.x/2.x: one encoder that can skip layers.
	 * @param maxClipSkip the manifest's {@code max_clip_skip}: the most layers a text may skip
	 */
	static PromptEncoder single(PromptTokenizer tokenizer, TextEncoder encoder, int maxClipSkip) {
		return new PromptEncoder(new Stage(tokenizer, encoder), null, false, maxClipSkip);
	}

	/**
	 * SDXL's two encoders.
	 * @param first {@code tokenizer.json} and {@code text_encoder.pt} (CLIP ViT-L)
	 * @param second {@code tokenizer_2.json} and {@code text_encoder_2.pt} (OpenCLIP bigG with projection), which
	 * gives the pooled embedding
	 * @param forceZerosForEmptyPrompt the manifest's {@code force_zeros_for_empty_prompt}
	 */
	static PromptEncoder sdxl(Stage first, Stage second, boolean forceZerosForEmptyPrompt) {
		return sdxl(first, second, forceZerosForEmptyPrompt, 0);
	}

	/**
	 * SDXL's two encoders, which can skip layers.
	 * @param maxClipSkip the manifest's {@code max_clip_skip}: the most layers a text may skip in both encoders
	 */
	static PromptEncoder sdxl(Stage first, Stage second, boolean forceZerosForEmptyPrompt, int maxClipSkip) {
		return new PromptEncoder(first, second, forceZerosForEmptyPrompt, maxClipSkip);
	}

	/** The most text encoder layers a text may skip; 0 when the encoders cannot skip. */
	int maxClipSkip() {
		return this.maxClipSkip;
	}

	/** Whether the texts come with a pooled embedding (SDXL). */
	boolean pooled() {
		return this.second != null;
	}

	/**
	 * How many 77-token chunks a text takes.
	 * @param text the prompt
	 * @return at least 1
	 */
	int chunkCount(String text) {
		int count = this.first.tokenizer().chunkCount(text);
		return (this.second != null) ? Math.max(count, this.second.tokenizer().chunkCount(text)) : count;
	}

	/**
	 * Encodes the texts of a batch, each distinct text once, all to the same number of chunks.
	 * @param manager where the embeddings live
	 * @param texts prompts and negative prompts; {@code null} for a request without a negative prompt
	 * @return one embedding per text, in order, each {@code (1, 77·k, D)} with the same k
	 */
	List<Embedding> embed(NDManager manager, List<@Nullable String> texts) {
		return embedTexts(manager, texts.stream().map((text) -> new Text(text, 0)).toList());
	}

	/**
	 * Encodes the texts of a batch, each distinct text and clip skip once, all to the same number of chunks.
	 * @param manager where the embeddings live
	 * @param texts prompts and negative prompts, each with its clip skip
	 * @return one embedding per text, in order, each {@code (1, 77·k, D)} with the same k
	 * @throws IllegalArgumentException when a text asks to skip more layers than {@link #maxClipSkip()}
	 */
	List<Embedding> embedTexts(NDManager manager, List<Text> texts) {
		int chunks = 1;
		for (Text text : texts) {
			if (text.clipSkip() > this.maxClipSkip) {
				throw new IllegalArgumentException((this.maxClipSkip == 0)
						? "This model cannot skip text encoder layers (clipSkip " + text.clipSkip() + "); its export"
								+ " has no max_clip_skip"
						: "clipSkip must be at most " + this.maxClipSkip + " for this model but was " + text.clipSkip());
			}
			if (text.text() != null) {
				chunks = Math.max(chunks, chunkCount(text.text()));
			}
		}
		Map<Text, Embedding> encoded = new HashMap<>();
		List<@Nullable Embedding> embeddings = new ArrayList<>(texts.size());
		Embedding some = null;
		for (Text text : texts) {
			if (text.text() == null && this.forceZerosForEmptyPrompt) {
				embeddings.add(null);
				continue;
			}
			int count = chunks;
			Embedding embedding = encoded.computeIfAbsent(new Text((text.text() != null) ? text.text() : "",
					text.clipSkip()), (key) -> encode(manager, key, count));
			embeddings.add(embedding);
			some = embedding;
		}
		if (some == null) {
			throw new IllegalArgumentException("Nothing to encode: no prompt");
		}
		List<Embedding> result = new ArrayList<>(texts.size());
		Embedding zeros = null;
		for (Embedding embedding : embeddings) {
			if (embedding == null) {
				if (zeros == null) {
					// diffusers: negative_prompt_embeds = torch.zeros_like(prompt_embeds), likewise the pooled one
					zeros = new Embedding(some.hidden().zerosLike(),
							(some.pooled() != null) ? some.pooled().zerosLike() : null);
				}
				embedding = zeros;
			}
			result.add(embedding);
		}
		return result;
	}

	private Embedding encode(NDManager manager, Text key, int chunks) {
		String text = (key.text() != null) ? key.text() : "";
		int skip = key.clipSkip();
		List<long[]> firstIds = this.first.tokenizer().chunks(text, chunks);
		List<long[]> secondIds = (this.second != null) ? this.second.tokenizer().chunks(text, chunks) : null;
		NDList hidden = new NDList(chunks);
		NDArray pooled = null;
		for (int c = 0; c < chunks; c++) {
			NDArray states = hiddenStates(this.first.encoder().encode(ids(manager, firstIds.get(c)), skip));
			if (this.second != null && secondIds != null) {
				NDList outputs = this.second.encoder().encodeWithPooled(ids(manager, secondIds.get(c)), skip);
				NDArray second = hiddenStates(outputs.get(0));
				if (c == 0) {
					pooled = outputs.get(1);
					Shape shape = pooled.getShape();
					if (shape.dimension() != 2 || shape.get(0) != 1 || !pooled.getDataType().isFloating()) {
						throw new IllegalStateException("text_encoder_2's pooled output must be floating-point (1, P)"
								+ " but was " + pooled.getDataType() + " " + shape);
					}
				}
				states = states.concat(second.toType(states.getDataType(), false), -1);
			}
			hidden.add(states);
		}
		return new Embedding((chunks == 1) ? hidden.get(0) : NDArrays.concat(hidden, 1), pooled);
	}

	private static NDArray ids(NDManager manager, long[] ids) {
		return manager.create(ids, new Shape(1, PromptTokenizer.LENGTH));
	}

	private static NDArray hiddenStates(NDArray embedding) {
		Shape shape = embedding.getShape();
		if (shape.dimension() != 3 || shape.get(0) != 1 || shape.get(1) != PromptTokenizer.LENGTH
				|| !embedding.getDataType().isFloating()) {
			throw new IllegalStateException("Text encoder output must be floating-point (1, " + PromptTokenizer.LENGTH
					+ ", D) but was " + embedding.getDataType() + " " + shape);
		}
		return embedding;
	}

}
