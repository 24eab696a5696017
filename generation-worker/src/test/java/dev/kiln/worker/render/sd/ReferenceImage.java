package dev.kiln.worker.render.sd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImageAssertions;
import org.jspecify.annotations.Nullable;

/**
 * A reference image that diffusers rendered (tools/export-model/make_reference.py) and the job it rendered, read from
 * the JSON file beside the PNG ({@code apple.png} → {@code apple.json}), for {@link StableDiffusionRealModelTests}.
 * <p>
 * How close Kiln's render must come: PSNR over the red, green and blue channels at least {@link #MIN_PSNR_DB}. Kiln
 * and diffusers start from the same latents (same seed, PyTorch's CPU generator, float32) and run the same sampler
 * formulas, but libtorch 2.7 in Java and the user's PyTorch in Python sum in different orders (and an fp16 export
 * rounds differently from diffusers' float32 pipeline), and the steps amplify those last-bit differences: the same
 * picture, not the same bytes. 30 dB is a root-mean-square error of 8.1 levels of 255 (a uniform offset of 8 levels
 * gives 30.07 dB); another seed, prompt or sampler gives a different picture, far below it (10-21 dB for another seed
 * of the built-in model, {@link RenderedImageAssertions}).
 */
final class ReferenceImage {

	/** The smallest PSNR, in dB, between Kiln's render and diffusers' reference. */
	static final double MIN_PSNR_DB = 30;

	private ReferenceImage() {
	}

	/**
	 * The job a reference was rendered for.
	 * @param prompt the prompt
	 * @param negativePrompt the negative prompt, or {@code null} for none
	 * @param seed the seed of the CPU {@code torch.Generator}
	 * @param scheduler Kiln's name of the sampler ({@code pndm}, {@code ddim}, ...)
	 * @param steps sampling steps
	 * @param guidanceScale classifier-free guidance scale
	 * @param width image width
	 * @param height image height
	 */
	record Job(String prompt, @Nullable String negativePrompt, long seed, String scheduler, int steps,
			double guidanceScale, int width, int height) {

		/** The same job as a Kiln render request, one image. */
		RenderRequest request() {
			return new RenderRequest(this.prompt, this.negativePrompt, this.width, this.height, this.steps,
					this.guidanceScale, this.seed, 1, this.scheduler);
		}

	}

	/** The JSON file that describes the reference {@code png}: its name with {@code .json} for {@code .png}. */
	static Path jobFile(Path png) {
		String name = png.getFileName().toString();
		int dot = name.lastIndexOf('.');
		return png.resolveSibling(((dot > 0) ? name.substring(0, dot) : name) + ".json");
	}

	/**
	 * Reads the job beside a reference PNG, as make_reference.py writes it.
	 * @param png the reference image
	 * @return the job
	 * @throws IOException when the JSON file cannot be read
	 * @throws IllegalArgumentException naming the file and field when a field is missing or of the wrong type
	 */
	static Job readJob(Path png) throws IOException {
		Path file = jobFile(png);
		JsonObject json;
		try {
			json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException(file + ": not a JSON object: " + ex.getMessage(), ex);
		}
		JsonElement negative = json.get("negative_prompt");
		return new Job(field(file, json, "prompt").getAsString(),
				(negative == null || negative.isJsonNull()) ? null : negative.getAsString(),
				field(file, json, "seed").getAsLong(), field(file, json, "scheduler").getAsString(),
				field(file, json, "steps").getAsInt(), field(file, json, "guidance_scale").getAsDouble(),
				field(file, json, "width").getAsInt(), field(file, json, "height").getAsInt());
	}

	private static JsonElement field(Path file, JsonObject json, String name) {
		JsonElement value = json.get(name);
		if (value == null || !value.isJsonPrimitive()) {
			throw new IllegalArgumentException(file + ": '" + name + "' is missing or not a value");
		}
		return value;
	}

	/**
	 * PSNR of a render against the reference over the red, green and blue channels, 8 bits each:
	 * {@code 10·log10(255² / MSE)}, infinite for identical images (computed by
	 * {@link RenderedImageAssertions.Difference}, which fails the test for images of different sizes).
	 * @param png the render
	 * @param reference the reference PNG
	 * @return the PSNR in dB
	 */
	static double psnr(byte[] png, byte[] reference) {
		return RenderedImageAssertions.Difference.between(png, reference).psnr();
	}

}
