package dev.kiln.worker.render.sd;

/** Turns a prompt into the text encoder's fixed-length token ids. */
@FunctionalInterface
interface PromptTokenizer {

	/** Tokens the text encoder reads: CLIP's context length. */
	int LENGTH = 77;

	/**
	 * Tokenizes a prompt: begin-of-text, up to {@code LENGTH − 2} prompt tokens (longer prompts are cut), end-of-text,
	 * then padding.
	 * @param text the prompt, possibly empty
	 * @return exactly {@link #LENGTH} ids
	 */
	long[] ids(String text);

}
