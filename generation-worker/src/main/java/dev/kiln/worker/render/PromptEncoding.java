package dev.kiln.worker.render;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Turns a prompt into the bag-of-words vector the text encoder reads: lower-case words, each hashed (64-bit FNV-1a of
 * its UTF-8 bytes, stable across JVMs) into one of {@link BuiltinNetwork#VOCABULARY} buckets, counted and divided by
 * √(number of words) so that the pooled embedding keeps unit variance whatever the prompt's length.
 */
final class PromptEncoding {

	private static final long FNV_OFFSET = 0xcbf29ce484222325L;

	private static final long FNV_PRIME = 0x100000001b3L;

	private PromptEncoding() {
	}

	/**
	 * Splits a prompt into lower-case words (letters and digits); {@code null} has none.
	 * @param prompt the prompt, or {@code null}
	 * @return the words in order
	 */
	static List<String> tokenize(@Nullable String prompt) {
		List<String> tokens = new ArrayList<>();
		if (prompt == null) {
			return tokens;
		}
		for (String token : prompt.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
			if (!token.isEmpty()) {
				tokens.add(token);
			}
		}
		return tokens;
	}

	/**
	 * The vocabulary bucket of a word.
	 * @param token the word
	 * @return an index in {@code [0, VOCABULARY)}
	 */
	static int bucket(String token) {
		long hash = FNV_OFFSET;
		for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
			hash ^= (b & 0xff);
			hash *= FNV_PRIME;
		}
		return (int) Math.floorMod(hash, (long) BuiltinNetwork.VOCABULARY);
	}

	/**
	 * Writes the normalised bag of words of a prompt into one row of {@code bags}.
	 * @param prompt the prompt, or {@code null} for the empty prompt (all zeros)
	 * @param bags rows of {@link BuiltinNetwork#VOCABULARY} floats
	 * @param row the row to write
	 */
	static void writeBag(@Nullable String prompt, float[] bags, int row) {
		List<String> tokens = tokenize(prompt);
		if (tokens.isEmpty()) {
			return;
		}
		float weight = (float) (1.0 / Math.sqrt(tokens.size()));
		int offset = row * BuiltinNetwork.VOCABULARY;
		for (String token : tokens) {
			bags[offset + bucket(token)] += weight;
		}
	}

}
