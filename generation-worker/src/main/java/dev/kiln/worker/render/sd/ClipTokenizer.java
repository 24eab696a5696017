package dev.kiln.worker.render.sd;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.jspecify.annotations.Nullable;

/**
 * CLIP's tokenizer read from a Hugging Face {@code tokenizer.json} with DJL's tokenizers library (native code
 * bundled in its jar; nothing is downloaded). Ids are built as diffusers' pipelines build them:
 * {@code <|startoftext|>}, at most 75 prompt tokens, {@code <|endoftext|>}, then the pad token up to 77; longer
 * prompts in several such chunks ({@link PromptTokenizer#chunks}).
 * <p>
 * The pad token is, in order: the {@code padding.pad_id} of {@code tokenizer.json}; the {@code pad_token} of
 * {@code special_tokens_map.json} or {@code tokenizer_config.json} next to it (SD 2.x's tokenizer pads with
 * {@code !}); otherwise {@code <|endoftext|>}, as SD 1.x's tokenizer does.
 */
final class ClipTokenizer implements PromptTokenizer, AutoCloseable {

	static final String BEGIN_OF_TEXT = "<|startoftext|>";

	static final String END_OF_TEXT = "<|endoftext|>";

	private final HuggingFaceTokenizer tokenizer;

	private final long beginId;

	private final long endId;

	private final long padId;

	private ClipTokenizer(HuggingFaceTokenizer tokenizer, long beginId, long endId, long padId) {
		this.tokenizer = tokenizer;
		this.beginId = beginId;
		this.endId = endId;
		this.padId = padId;
	}

	/**
	 * Loads a CLIP tokenizer.
	 * @param file the {@code tokenizer.json}
	 * @return the tokenizer; close it to free its native memory
	 * @throws FileNotFoundException when the file is missing
	 * @throws IOException when it is not a valid tokenizer or has no CLIP begin/end-of-text tokens
	 */
	static ClipTokenizer load(Path file) throws IOException {
		if (!Files.isRegularFile(file)) {
			throw new FileNotFoundException("Tokenizer file " + file + " does not exist");
		}
		JsonObject json = readJson(file);
		HuggingFaceTokenizer tokenizer;
		try {
			tokenizer = HuggingFaceTokenizer.newInstance(file,
					Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false"));
		}
		catch (RuntimeException ex) {
			throw new IOException("Tokenizer file " + file + " is not a valid Hugging Face tokenizer.json: "
					+ ex.getMessage(), ex);
		}
		try {
			long begin = singleId(tokenizer, BEGIN_OF_TEXT, file);
			long end = singleId(tokenizer, END_OF_TEXT, file);
			long pad = padId(tokenizer, json, file.getParent(), end);
			return new ClipTokenizer(tokenizer, begin, end, pad);
		}
		catch (IOException | RuntimeException ex) {
			tokenizer.close();
			throw ex;
		}
	}

	@Override
	public long[] tokens(String text) {
		return this.tokenizer.encode(text, false, false).getIds();
	}

	@Override
	public long beginId() {
		return this.beginId;
	}

	@Override
	public long endId() {
		return this.endId;
	}

	@Override
	public long padId() {
		return this.padId;
	}

	@Override
	public void close() {
		this.tokenizer.close();
	}

	private static long singleId(HuggingFaceTokenizer tokenizer, String token, Path file) throws IOException {
		long[] ids = tokenizer.encode(token, false, false).getIds();
		if (ids.length != 1) {
			throw new IOException("Tokenizer file " + file + " has no " + token
					+ " token; Stable Diffusion needs a CLIP tokenizer (for example openai/clip-vit-large-patch14's"
					+ " tokenizer.json)");
		}
		return ids[0];
	}

	private static long padId(HuggingFaceTokenizer tokenizer, JsonObject json, @Nullable Path directory,
			long endId) throws IOException {
		JsonElement padding = json.get("padding");
		if (padding != null && padding.isJsonObject() && padding.getAsJsonObject().has("pad_id")) {
			return padding.getAsJsonObject().get("pad_id").getAsLong();
		}
		if (directory != null) {
			for (String name : new String[] { "special_tokens_map.json", "tokenizer_config.json" }) {
				Path side = directory.resolve(name);
				if (Files.isRegularFile(side)) {
					String token = padToken(readJson(side));
					if (token != null) {
						return singleId(tokenizer, token, side);
					}
				}
			}
		}
		return endId;
	}

	private static @Nullable String padToken(JsonObject json) {
		JsonElement token = json.get("pad_token");
		if (token == null || token.isJsonNull()) {
			return null;
		}
		if (token.isJsonObject()) {
			JsonElement content = token.getAsJsonObject().get("content");
			return (content != null && content.isJsonPrimitive()) ? content.getAsString() : null;
		}
		return token.isJsonPrimitive() ? token.getAsString() : null;
	}

	private static JsonObject readJson(Path file) throws IOException {
		try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			JsonElement element = JsonParser.parseReader(reader);
			if (!element.isJsonObject()) {
				throw new IOException(file + " is not a JSON object");
			}
			return element.getAsJsonObject();
		}
		catch (JsonParseException ex) {
			throw new IOException(file + " is not valid JSON: " + ex.getMessage(), ex);
		}
	}

}
