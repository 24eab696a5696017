package dev.kiln.worker.render.sd;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * {@code kiln-model.json}, written by {@code tools/export-model/export.py} beside the modules it traces: what the
 * model is, the limits it was traced and checked for, and the sha256 of every file of the folder. It is the source of
 * truth for a model's limits. {@link #read} validates every field and names the first one that is wrong; the rules
 * are those of the export tool's {@code kiln_export/manifest.py}.
 *
 * @param family {@code sd1}, {@code sd2} or {@code sdxl}
 * @param dtype the text encoders' and UNet's floating-point type, {@code fp16} or {@code fp32}
 * @param vaeDtype the VAE's ({@code fp32} where an fp16 VAE would overflow, as SDXL's)
 * @param latentChannels latent channels C
 * @param vaeScalingFactor latents are divided by it before decoding
 * @param sampleSize the UNet's native latent side (the model's native image side ÷ 8)
 * @param sizes the image sizes the modules were traced and checked at: the only sizes the model renders
 * @param maxBatch most images per UNet pass it was checked at (the UNet sees twice as many rows)
 * @param predictionType {@code epsilon} or {@code v_prediction}
 * @param timestepSpacing {@code leading} or {@code trailing} (SD-Turbo)
 * @param defaultScheduler the sampler used unless configuration names another
 * @param forceZerosForEmptyPrompt SDXL: no negative prompt means zero conditioning, not the empty prompt's
 * @param source what was exported (a model id or folder)
 * @param files every file of the folder but the manifest, by relative path
 * @param maxClipSkip the most text encoder layers a job may skip (its text encoders return that many skipped states
 * and one more); 0, also when the field is missing (exports before clip skip), when it cannot skip
 */
public record ModelManifest(String family, String dtype, String vaeDtype, int latentChannels, double vaeScalingFactor,
		int sampleSize, List<Size> sizes, int maxBatch, String predictionType, String timestepSpacing,
		String defaultScheduler, boolean forceZerosForEmptyPrompt, String source, Map<String, FileEntry> files,
		int maxClipSkip) {

	/** The manifest's file name. */
	public static final String FILE = "kiln-model.json";

	/** The schema version this worker reads. */
	public static final int SCHEMA_VERSION = 1;

	/** The largest {@code max_clip_skip} a manifest may give (the export tool's bound). */
	static final int MAX_CLIP_SKIP = 64;

	/**
	 * An image size.
	 *
	 * @param width pixels
	 * @param height pixels
	 */
	public record Size(int width, int height) {

		@Override
		public String toString() {
			return this.width + "x" + this.height;
		}

	}

	/**
	 * A file of the folder.
	 *
	 * @param sha256 its SHA-256, 64 lower-case hex digits
	 * @param size its length in bytes
	 */
	public record FileEntry(String sha256, long size) {
	}

	public ModelManifest {
		sizes = List.copyOf(sizes);
		files = Map.copyOf(files);
	}

	/** The files a folder of this family must hold. */
	public List<String> requiredFiles() {
		List<String> required = new ArrayList<>(List.of(StableDiffusionGenerator.TEXT_ENCODER_FILE,
				StableDiffusionGenerator.UNET_FILE, StableDiffusionGenerator.VAE_DECODER_FILE, "vae_encoder.pt",
				StableDiffusionGenerator.TOKENIZER_FILE));
		if ("sdxl".equals(this.family)) {
			required.addAll(List.of("text_encoder_2.pt", "tokenizer_2.json"));
		}
		return required;
	}

	/** Whether the model renders images of that size. */
	public boolean supports(int width, int height) {
		return this.sizes.contains(new Size(width, height));
	}

	/** The largest width × height of {@link #sizes}. */
	public int maxPixels() {
		return this.sizes.stream().mapToInt((size) -> size.width() * size.height()).max().orElseThrow();
	}

	/**
	 * The manifest of a folder, if it has one.
	 * @param directory the model folder
	 * @return whether {@value #FILE} exists there
	 */
	public static boolean present(Path directory) {
		return Files.isRegularFile(directory.resolve(FILE));
	}

	/**
	 * Reads and validates a manifest.
	 * @param file the {@value #FILE}
	 * @return the manifest
	 * @throws FileNotFoundException when it is missing
	 * @throws IOException when it is unreadable, not JSON, or a field is missing or breaks its rule (the message
	 * names the field)
	 */
	public static ModelManifest read(Path file) throws IOException {
		if (!Files.isRegularFile(file)) {
			throw new FileNotFoundException(file + " does not exist");
		}
		JsonObject json;
		try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			JsonElement element = JsonParser.parseReader(reader);
			if (!element.isJsonObject()) {
				throw new IOException(file + " is not a JSON object");
			}
			json = element.getAsJsonObject();
		}
		catch (JsonParseException ex) {
			throw new IOException(file + " is not valid JSON: " + ex.getMessage(), ex);
		}
		try {
			return parse(json);
		}
		catch (IllegalArgumentException ex) {
			throw new IOException(file + ": " + ex.getMessage(), ex);
		}
	}

	static ModelManifest parse(JsonObject json) {
		Fields fields = new Fields(json);
		int version = fields.integer("schema_version", 1, Integer.MAX_VALUE);
		if (version != SCHEMA_VERSION) {
			throw fields.invalid("schema_version", String.valueOf(SCHEMA_VERSION) + " (this worker reads version "
					+ SCHEMA_VERSION + "; export the model again or upgrade the worker)", json.get("schema_version"));
		}
		String family = fields.oneOf("family", "sd1", "sd2", "sdxl");
		String dtype = fields.oneOf("dtype", "fp16", "fp32");
		String vaeDtype = fields.oneOf("vae_dtype", "fp16", "fp32");
		String prediction = fields.oneOf("prediction_type", "epsilon", "v_prediction");
		String spacing = fields.oneOf("timestep_spacing", "leading", "trailing");
		String scheduler = fields.oneOf("default_scheduler", "pndm", "ddim", "euler-ancestral", "euler", "dpm++2m",
				"dpm++2m-karras", "lcm");
		if (scheduler.equals("pndm") && !spacing.equals("leading")) {
			throw fields.invalid("default_scheduler", "a scheduler other than pndm with trailing timesteps",
					json.get("default_scheduler"));
		}
		int channels = fields.integer("latent_channels", 1, 64);
		int sampleSize = fields.integer("sample_size", 8, 512);
		int maxBatch = fields.integer("max_batch", 1, 64);
		JsonElement scaling = fields.required("vae_scaling_factor");
		if (!isNumber(scaling) || !(scaling.getAsDouble() > 0) || !Double.isFinite(scaling.getAsDouble())) {
			throw fields.invalid("vae_scaling_factor", "a positive number", scaling);
		}
		JsonElement zeros = fields.required("force_zeros_for_empty_prompt");
		if (!zeros.isJsonPrimitive() || !zeros.getAsJsonPrimitive().isBoolean()) {
			throw fields.invalid("force_zeros_for_empty_prompt", "true or false", zeros);
		}
		JsonElement source = json.get("source");
		// optional within schema version 1: exports from before clip skip cannot skip
		int maxClipSkip = json.has("max_clip_skip") ? fields.integer("max_clip_skip", 0, MAX_CLIP_SKIP) : 0;
		List<Size> sizes = sizes(fields);
		Map<String, FileEntry> files = files(fields);
		ModelManifest manifest = new ModelManifest(family, dtype, vaeDtype, channels, scaling.getAsDouble(), sampleSize,
				sizes, maxBatch, prediction, spacing, scheduler, zeros.getAsBoolean(),
				(source != null && source.isJsonPrimitive()) ? source.getAsString() : "", files, maxClipSkip);
		Set<String> missing = new TreeSet<>(manifest.requiredFiles());
		missing.removeAll(files.keySet());
		if (!missing.isEmpty()) {
			throw new IllegalArgumentException("field 'files' must list " + String.join(", ", missing)
					+ " (needed by family " + family + ") but lists " + new TreeSet<>(files.keySet()));
		}
		return manifest;
	}

	private static List<Size> sizes(Fields fields) {
		JsonElement element = fields.required("sizes");
		if (!element.isJsonArray() || element.getAsJsonArray().isEmpty()) {
			throw fields.invalid("sizes", "a non-empty list of {width, height}", element);
		}
		List<Size> sizes = new ArrayList<>();
		for (JsonElement item : element.getAsJsonArray()) {
			JsonElement width = item.isJsonObject() ? item.getAsJsonObject().get("width") : null;
			JsonElement height = item.isJsonObject() ? item.getAsJsonObject().get("height") : null;
			if (!isSide(width) || !isSide(height)) {
				throw fields.invalid("sizes", "{width, height} pairs, multiples of 64 from 64 to 2048", item);
			}
			sizes.add(new Size(width.getAsInt(), height.getAsInt()));
		}
		return sizes;
	}

	private static Map<String, FileEntry> files(Fields fields) {
		JsonElement element = fields.required("files");
		if (!element.isJsonObject() || element.getAsJsonObject().isEmpty()) {
			throw fields.invalid("files", "a non-empty map of file name to {sha256, size}", element);
		}
		Map<String, FileEntry> files = new LinkedHashMap<>();
		for (Map.Entry<String, JsonElement> file : element.getAsJsonObject().entrySet()) {
			JsonElement entry = file.getValue();
			JsonElement sha = entry.isJsonObject() ? entry.getAsJsonObject().get("sha256") : null;
			JsonElement size = entry.isJsonObject() ? entry.getAsJsonObject().get("size") : null;
			boolean valid = sha != null && sha.isJsonPrimitive() && sha.getAsString().matches("[0-9a-f]{64}")
					&& isNumber(size) && size.getAsDouble() >= 0 && size.getAsDouble() == Math.rint(size.getAsDouble());
			String name = file.getKey();
			if (!valid || name.isBlank() || name.startsWith("/") || name.contains("\\")
					|| List.of(name.split("/")).contains("..")) {
				throw fields.invalid("files." + name, "{sha256: 64 lower-case hex digits, size: bytes} under a"
						+ " relative path", entry);
			}
			files.put(name, new FileEntry(sha.getAsString(), size.getAsLong()));
		}
		return files;
	}

	private static boolean isSide(JsonElement value) {
		if (!isNumber(value) || value.getAsDouble() != Math.rint(value.getAsDouble())) {
			return false;
		}
		int side = value.getAsInt();
		return side >= 64 && side <= 2048 && side % 64 == 0;
	}

	private static boolean isNumber(JsonElement value) {
		return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber();
	}

	private record Fields(JsonObject json) {

		JsonElement required(String field) {
			JsonElement value = this.json.get(field);
			if (value == null || value.isJsonNull()) {
				throw new IllegalArgumentException("field '" + field + "' is missing");
			}
			return value;
		}

		String oneOf(String field, String... allowed) {
			JsonElement value = required(field);
			if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()
					&& List.of(allowed).contains(value.getAsString())) {
				return value.getAsString();
			}
			throw invalid(field, "one of " + String.join(", ", allowed), value);
		}

		int integer(String field, int low, int high) {
			JsonElement value = required(field);
			if (isNumber(value) && value.getAsDouble() == Math.rint(value.getAsDouble()) && value.getAsDouble() >= low
					&& value.getAsDouble() <= high) {
				return value.getAsInt();
			}
			throw invalid(field, "an integer from " + low + " to " + high, value);
		}

		IllegalArgumentException invalid(String field, String rule, JsonElement value) {
			return new IllegalArgumentException("field '" + field + "' must be " + rule + " but was " + value);
		}

	}

}
