package dev.kiln.worker.render.sd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns a prompt into the text encoder's fixed-length token ids. */
interface PromptTokenizer {

	/** Tokens the text encoder reads: CLIP's context length. */
	int LENGTH = 77;

	/** Prompt tokens per chunk: the context length less begin- and end-of-text. */
	int CHUNK = LENGTH - 2;

	/**
	 * The prompt's tokens, without begin-of-text, end-of-text or padding, however many there are.
	 * @param text the prompt, possibly empty
	 * @return its token ids
	 */
	long[] tokens(String text);

	/** The begin-of-text id. */
	long beginId();

	/** The end-of-text id. */
	long endId();

	/** The id padding uses. */
	long padId();

	/**
	 * Tokenizes a prompt as diffusers does: begin-of-text, up to {@link #CHUNK} prompt tokens (longer prompts are
	 * cut), end-of-text, then padding. The generator does not use it (it encodes {@link #chunks}); it is the reference
	 * tokenization tests compare with.
	 * @param text the prompt, possibly empty
	 * @return exactly {@link #LENGTH} ids
	 */
	default long[] ids(String text) {
		long[] tokens = tokens(text);
		return chunk(Arrays.copyOf(tokens, Math.min(tokens.length, CHUNK)));
	}

	/**
	 * How many chunks of {@link #CHUNK} tokens the prompt takes.
	 * @param text the prompt
	 * @return at least 1
	 */
	default int chunkCount(String text) {
		return Math.max(1, (tokens(text).length + CHUNK - 1) / CHUNK);
	}

	/**
	 * Tokenizes a prompt of any length in chunks, the AUTOMATIC1111 convention: its tokens in runs of {@link #CHUNK},
	 * each run wrapped in begin- and end-of-text and padded to {@link #LENGTH}; then, up to {@code count}, empty chunks
	 * (begin-of-text, end-of-text, padding).
	 * @param text the prompt, possibly empty
	 * @param count the number of chunks, at least {@link #chunkCount(String)}
	 * @return {@code count} arrays of {@link #LENGTH} ids
	 */
	default List<long[]> chunks(String text, int count) {
		long[] tokens = tokens(text);
		int needed = Math.max(1, (tokens.length + CHUNK - 1) / CHUNK);
		if (count < needed) {
			throw new IllegalArgumentException("The prompt takes " + needed + " chunks, more than " + count);
		}
		List<long[]> chunks = new ArrayList<>(count);
		for (int c = 0; c < count; c++) {
			int from = Math.min(tokens.length, c * CHUNK);
			chunks.add(chunk(Arrays.copyOfRange(tokens, from, Math.min(tokens.length, from + CHUNK))));
		}
		return chunks;
	}

	/** Begin-of-text, at most {@link #CHUNK} tokens, end-of-text, padding. */
	private long[] chunk(long[] tokens) {
		long[] ids = new long[LENGTH];
		Arrays.fill(ids, padId());
		ids[0] = beginId();
		System.arraycopy(tokens, 0, ids, 1, tokens.length);
		ids[tokens.length + 1] = endId();
		return ids;
	}

}
