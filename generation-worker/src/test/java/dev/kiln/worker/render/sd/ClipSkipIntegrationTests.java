package dev.kiln.worker.render.sd;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderMonitor;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;
import dev.kiln.worker.render.StepListener;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Clip skip on the stand-ins {@code tools/export-model} exported (the build's pre-integration-test phase runs
 * {@code tests/standins.py} into {@code kiln.exported-model} and {@code kiln.exported-sdxl}). The expected embeddings
 * in their {@code reference.json} were computed by torch 1.13 on the eager stand-in encoders, the way diffusers'
 * {@code encode_prompt} does with {@code clip_skip} (huggingface/diffusers
 * {@code src/diffusers/pipelines/stable_diffusion/pipeline_stable_diffusion.py}: {@code prompt_embeds[-1][-(clip_skip +
 * 1)]} then {@code text_encoder.text_model.final_layer_norm}; {@code pipeline_stable_diffusion_xl.py}, commit
 * 0049e443dcfe8af0341d99b8c5de595bd6e99b5d: {@code hidden_states[-(clip_skip + 2)]}, pooled unchanged); here libtorch
 * 2.7.1 runs the traced modules through DJL.
 */
class ClipSkipIntegrationTests {

	/** libtorch 2.7.1 vs torch 1.13 kernels on 3 small layers and a layer norm: per value, absolute plus relative. */
	private static final float ABSOLUTE = 1e-4f;

	private static final float RELATIVE = 1e-4f;

	private static Path sd1;

	private static JsonObject sd1Reference;

	private static Path sdxl;

	private static JsonObject sdxlReference;

	@BeforeAll
	static void exported() throws IOException {
		String location = System.getProperty("kiln.exported-model");
		String locationXl = System.getProperty("kiln.exported-sdxl");
		assertThat(location).as("system property kiln.exported-model (set by the Maven build)").isNotBlank();
		assertThat(locationXl).as("system property kiln.exported-sdxl (set by the Maven build)").isNotBlank();
		sd1 = Path.of(location, "model");
		sd1Reference = JsonParser.parseString(Files.readString(Path.of(location, "reference.json"))).getAsJsonObject();
		sdxl = Path.of(locationXl, "model");
		sdxlReference = JsonParser.parseString(Files.readString(Path.of(locationXl, "reference.json")))
			.getAsJsonObject();
	}

	@Test
	void manifestsGiveTheLayersLessOneAndForSdxlLessTwo() throws IOException {
		// the stand-in encoders have 3 layers; SDXL already conditions on the penultimate one
		assertThat(ModelManifest.read(sd1.resolve(ModelManifest.FILE)).maxClipSkip()).isEqualTo(2);
		assertThat(ModelManifest.read(sdxl.resolve(ModelManifest.FILE)).maxClipSkip()).isEqualTo(1);
	}

	@Test
	void sd1EncodingWithClipSkipIsPythonsFinalNormOfAnEarlierLayer() throws IOException {
		JsonArray cases = sd1Reference.getAsJsonArray("clip_skip");
		assertThat(cases).as("clip skip 1 and 2").hasSize(2);
		try (TorchScriptModules modules = TorchScriptModules.load(sd1, Device.cpu());
				ClipTokenizer tokenizer = ClipTokenizer.load(sd1.resolve("tokenizer.json"));
				NDManager manager = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			PromptEncoder prompts = PromptEncoder.single(tokenizer, modules.textEncoder(), 2);
			for (JsonElement element : cases) {
				JsonObject expected = element.getAsJsonObject();
				String prompt = expected.get("prompt").getAsString();
				int clipSkip = expected.get("clip_skip").getAsInt();
				List<PromptEncoder.Embedding> embedded = prompts.embedTexts(manager,
						List.of(new PromptEncoder.Text(prompt, clipSkip), new PromptEncoder.Text(prompt, 0)));
				float[] skipped = values(embedded.get(0).hidden());
				float[] last = values(embedded.get(1).hidden());
				assertThat(embedded.get(0).hidden().getShape()).isEqualTo(new Shape(1, 77, 32));
				float[] pythonSkipped = floats(expected.getAsJsonArray("hidden"));
				float[] pythonLast = floats(expected.getAsJsonArray("last_hidden_state"));
				assertClose("clip skip " + clipSkip, skipped, pythonSkipped);
				assertClose("no clip skip", last, pythonLast);
				// the comparison can fail: the skipped state is far from the last one, beyond the tolerance
				assertThat(maxDifference(pythonSkipped, pythonLast)).as("clip skip %d vs none", clipSkip)
					.isGreaterThan(100 * (ABSOLUTE + RELATIVE));
			}
		}
	}

	@Test
	void sdxlConditioningWithClipSkipIsPythonsAndKeepsThePooledOutput() throws IOException {
		JsonObject expected = sdxlReference.getAsJsonArray("conditioning_clip_skip").get(0).getAsJsonObject();
		JsonObject plain = sdxlReference.getAsJsonArray("conditioning").get(0).getAsJsonObject();
		int clipSkip = expected.get("clip_skip").getAsInt();
		assertThat(clipSkip).isEqualTo(1);
		String prompt = expected.get("prompt").getAsString();
		try (TorchScriptModules modules = TorchScriptModules.load(sdxl, Device.cpu());
				ClipTokenizer tokenizer = ClipTokenizer.load(sdxl.resolve("tokenizer.json"));
				ClipTokenizer tokenizer2 = ClipTokenizer.load(sdxl.resolve("tokenizer_2.json"));
				NDManager manager = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			PromptEncoder prompts = PromptEncoder.sdxl(new PromptEncoder.Stage(tokenizer, modules.textEncoder()),
					new PromptEncoder.Stage(tokenizer2, modules.textEncoder2()), true, 1);
			PromptEncoder.Embedding embedding = prompts
				.embedTexts(manager, List.of(new PromptEncoder.Text(prompt, clipSkip)))
				.get(0);
			assertSummary("hidden, clip skip 1", embedding.hidden(), expected.getAsJsonObject("hidden"));
			assertThat(embedding.pooled()).isNotNull();
			assertSummary("pooled, clip skip 1", embedding.pooled(), expected.getAsJsonObject("pooled"));
			// the same pooled output as without clip skip, other hidden states
			assertSummary("pooled, no clip skip", embedding.pooled(), plain.getAsJsonObject("pooled"));
			assertThat(Math.abs(expected.getAsJsonObject("hidden").get("sum").getAsDouble()
					- plain.getAsJsonObject("hidden").get("sum").getAsDouble()))
				.isGreaterThan(1.0);
		}
	}

	@Test
	void aClipSkipBeyondTheManifestsIsRefused() throws IOException {
		try (TorchScriptModules modules = TorchScriptModules.load(sd1, Device.cpu());
				ClipTokenizer tokenizer = ClipTokenizer.load(sd1.resolve("tokenizer.json"));
				NDManager manager = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			PromptEncoder prompts = PromptEncoder.single(tokenizer, modules.textEncoder(), 2);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> prompts.embedTexts(manager, List.of(new PromptEncoder.Text("a", 3))))
				.withMessage("clipSkip must be at most 2 for this model but was 3");
			PromptEncoder cannot = PromptEncoder.single(tokenizer, modules.textEncoder());
			assertThatIllegalArgumentException()
				.isThrownBy(() -> cannot.embedTexts(manager, List.of(new PromptEncoder.Text("a", 1))))
				.withMessageContaining("cannot skip text encoder layers");
		}
	}

	@Test
	void aGeneratorRendersWithClipSkipAndOnlyThePromptSkips() throws IOException {
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(sd1, "exported", Device.cpu(), null)) {
			assertThat(generator.maxClipSkip()).isEqualTo(2);
			RenderRequest plain = new RenderRequest("oil painting, red apple!", "blurry", 64, 64, 2, 7.5, 7, 1);
			RenderRequest skipped = new RenderRequest("oil painting, red apple!", "blurry", 64, 64, 2, 7.5, 7, 1, null,
					null, 1);
			List<RenderedImages> both = generator.render(List.of(plain, skipped), nulls(2),
					RenderMonitor.of(StepListener.NONE));
			byte[] png = both.get(1).pngs().get(0);
			assertThat(ImageIO.read(new ByteArrayInputStream(png)).getWidth()).isEqualTo(64);
			assertThat(png).as("the prompt's conditioning changed").isNotEqualTo(both.get(0).pngs().get(0));
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(new RenderRequest("a", null, 64, 64, 1, 7.5, 7, 1, null, null, 3),
						StepListener.NONE))
				.withMessageContaining("at most 2");
		}
	}

	@Test
	void anExportWithoutMaxClipSkipLoadsAndCannotSkip(@TempDir Path copy) throws IOException {
		for (Path file : Files.list(sd1).toList()) {
			Files.copy(file, copy.resolve(file.getFileName()));
		}
		JsonObject manifest = JsonParser.parseString(Files.readString(copy.resolve(ModelManifest.FILE)))
			.getAsJsonObject();
		manifest.remove("max_clip_skip");
		Files.writeString(copy.resolve(ModelManifest.FILE), manifest.toString());
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(copy, "older", Device.cpu(), null)) {
			assertThat(generator.maxClipSkip()).isZero();
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(new RenderRequest("a", null, 64, 64, 1, 7.5, 7, 1, null, null, 1),
						StepListener.NONE))
				.withMessageContaining("cannot skip");
		}
	}

	private static List<@Nullable RenderCheckpoint> nulls(int n) {
		List<@Nullable RenderCheckpoint> list = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			list.add(null);
		}
		return list;
	}

	private static float[] values(NDArray array) {
		return array.toType(DataType.FLOAT32, false).toFloatArray();
	}

	private static float[] floats(JsonArray array) {
		float[] values = new float[array.size()];
		for (int i = 0; i < values.length; i++) {
			values[i] = array.get(i).getAsFloat();
		}
		return values;
	}

	private static float maxDifference(float[] a, float[] b) {
		float max = 0;
		for (int i = 0; i < a.length; i++) {
			max = Math.max(max, Math.abs(a[i] - b[i]));
		}
		return max;
	}

	private static void assertClose(String what, float[] actual, float[] expected) {
		assertThat(actual).as("%s: values", what).hasSameSizeAs(expected);
		for (int i = 0; i < expected.length; i++) {
			assertThat(actual[i]).as("%s: value %d", what, i)
				.isCloseTo(expected[i], within(ABSOLUTE + RELATIVE * Math.abs(expected[i])));
		}
	}

	/** Shape, sum and four values, as {@code standins.summary} writes them. */
	private static void assertSummary(String what, NDArray actual, JsonObject expected) {
		List<Long> shape = new ArrayList<>();
		expected.getAsJsonArray("shape").forEach((side) -> shape.add(side.getAsLong()));
		assertThat(actual.getShape()).as("shape of %s", what)
			.isEqualTo(new Shape(shape.stream().mapToLong(Long::longValue).toArray()));
		float[] values = values(actual);
		double sum = 0;
		for (float value : values) {
			sum += value;
		}
		double expectedSum = expected.get("sum").getAsDouble();
		assertThat(sum).as("sum of %s", what)
			.isCloseTo(expectedSum, within(1e-5 * values.length + 1e-4 * Math.abs(expectedSum)));
		for (Map.Entry<String, JsonElement> pick : expected.getAsJsonObject("values").entrySet()) {
			float value = pick.getValue().getAsFloat();
			assertThat(values[Integer.parseInt(pick.getKey())]).as("%s value %s", what, pick.getKey())
				.isCloseTo(value, within(ABSOLUTE + RELATIVE * Math.abs(value)));
		}
	}

}
