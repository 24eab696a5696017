package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
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
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;
import dev.kiln.worker.render.StepListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * SDXL through the folder {@code tools/export-model} wrote from its stand-in SDXL modules ({@code tests/standins.py
 * --family sdxl}, run by the build's pre-integration-test phase into {@code kiln.exported-sdxl}): two traced text
 * encoders and a traced UNet with diffusers' {@code added_cond_kwargs} as two more inputs, loaded by libtorch through
 * DJL. The conditioning and the UNet's outputs are compared with what Python computed from the eager modules; the
 * tensors handed to the UNet are checked against the shapes diffusers' {@code StableDiffusionXLPipeline} feeds it
 * ({@code src/diffusers/pipelines/stable_diffusion_xl/pipeline_stable_diffusion_xl.py}, commit
 * 0049e443dcfe8af0341d99b8c5de595bd6e99b5d: {@code prompt_embeds} (2n, 77, D₁ + D₂), {@code text_embeds} (2n, P),
 * {@code time_ids} (2n, 6) = original size + crop (0, 0) + target size, zeros for a missing negative prompt when
 * {@code force_zeros_for_empty_prompt}). The stand-in encoders are 32 and 48 wide (D = 80), pooled P = 24.
 */
class ExportedSdxlIntegrationTests {

	private static Path model;

	private static JsonObject reference;

	@BeforeAll
	static void exported() throws IOException {
		String location = System.getProperty("kiln.exported-sdxl");
		assertThat(location).as("system property kiln.exported-sdxl: run through Maven (its pre-integration-test"
				+ " phase exports tools/export-model's SDXL stand-ins), or set it to a folder"
				+ " 'standins.py --family sdxl' wrote")
			.isNotBlank();
		model = Path.of(location, "model");
		reference = JsonParser.parseString(Files.readString(Path.of(location, "reference.json"))).getAsJsonObject();
	}

	@Test
	void manifestDescribesAnSdxlFolder() throws IOException {
		ModelManifest manifest = ModelManifest.read(model.resolve(ModelManifest.FILE));
		assertThat(manifest.family()).isEqualTo("sdxl");
		// diffusers' SDXL VAE config: scaling_factor 0.13025, force_upcast → the VAE stays fp32
		assertThat(manifest.vaeScalingFactor()).isEqualTo(0.13025, within(1e-9));
		assertThat(manifest.vaeDtype()).isEqualTo("fp32");
		assertThat(manifest.forceZerosForEmptyPrompt()).isTrue();
		assertThat(manifest.files().keySet()).contains("text_encoder.pt", "text_encoder_2.pt", "tokenizer.json",
				"tokenizer_2.json", "unet.pt", "vae_decoder.pt");
	}

	@Test
	void conditioningOfBothEncodersIsPythons() throws IOException {
		try (Parts parts = Parts.load(); NDManager manager = parts.manager()) {
			int checked = 0;
			for (JsonElement element : reference.getAsJsonArray("conditioning")) {
				JsonObject expected = element.getAsJsonObject();
				String prompt = expected.get("prompt").getAsString();
				assertThat(parts.tokenizer.tokens(prompt)).as("tokens of %s", prompt)
					.hasSize(expected.get("tokens").getAsInt());
				assertThat(parts.prompts.chunkCount(prompt)).isEqualTo(expected.get("chunks").getAsInt());
				PromptEncoder.Embedding embedding = parts.prompts.embed(manager, List.of(prompt)).get(0);
				assertMatches("hidden of " + prompt, embedding.hidden(), expected.getAsJsonObject("hidden"));
				assertThat(embedding.pooled()).isNotNull();
				assertMatches("pooled of " + prompt, embedding.pooled(), expected.getAsJsonObject("pooled"));
				checked++;
			}
			assertThat(checked).isEqualTo(2);
		}
	}

	@Test
	void aPromptOfHundredTokensIsTwoChunksAndItsTailCounts() throws IOException {
		try (Parts parts = Parts.load(); NDManager manager = parts.manager()) {
			String prompt = "a red apple on the sea at dusk, ".repeat(11) + "lighthouse";
			long[] tokens = parts.tokenizer.tokens(prompt);
			assertThat(tokens).hasSize(100);
			List<PromptEncoder.Embedding> embedded = parts.prompts.embed(manager, List.of(prompt, "a red apple"));
			// both texts of a batch take the longer one's chunk count: (1, 2 × 77, 32 + 48)
			assertThat(embedded.get(0).hidden().getShape()).isEqualTo(new Shape(1, 154, 80));
			assertThat(embedded.get(1).hidden().getShape()).isEqualTo(new Shape(1, 154, 80));
			assertThat(parts.encoded).hasSize(4).allMatch((call) -> call.equals("text_encoder (1, 77)"));
			assertThat(parts.encoded2).hasSize(4);
			// the prompt cut to its first 75 tokens: one chunk, equal to the long one's first
			assertThat(parts.tokenizer.tokens(tokensText(75))).containsExactly(java.util.Arrays.copyOf(tokens, 75));
			NDArray first75 = parts.prompts.embed(manager, List.of(tokensText(75))).get(0).hidden();
			assertThat(first75.getShape()).isEqualTo(new Shape(1, 77, 80));
			NDArray head = embedded.get(0).hidden().get(":, 0:77, :");
			assertThat(head.sub(first75).abs().max().getFloat()).as("chunk 1 = the first 75 tokens alone")
				.isLessThan(1e-5f);
			NDArray tail = embedded.get(0).hidden().get(":, 77:154, :");
			assertThat(tail.sub(first75).abs().max().getFloat()).as("chunk 2 encodes the last 25 tokens")
				.isGreaterThan(1e-2f);
		}
	}

	@Test
	void unetWithAddedConditionsGivesPythonsOutputsAtThreeImages() throws IOException {
		JsonObject unet = reference.getAsJsonObject("unet");
		int rows = unet.get("rows").getAsInt();
		int width = unet.get("width").getAsInt();
		int height = unet.get("height").getAsInt();
		assertThat(rows).as("2 × max batch rows; the trace saw 2").isEqualTo(6);
		assertThat(unet.get("text_dim").getAsInt()).isEqualTo(80);
		try (TorchScriptModules modules = TorchScriptModules.load(model, Device.cpu());
				NDManager manager = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			Shape sampleShape = new Shape(rows, 4, height / 8, width / 8);
			NDArray out = modules.unet()
				.predict(wave(manager, sampleShape, unet.getAsJsonObject("sample")),
						manager.create(unet.get("timestep").getAsLong()),
						wave(manager, new Shape(rows, 77, 80), unet.getAsJsonObject("text")),
						wave(manager, new Shape(rows, unet.get("pooled_dim").getAsInt()),
								unet.getAsJsonObject("text_embeds")),
						StableDiffusionGenerator.timeIds(manager, rows, width, height));
			assertMatches("UNet output", out, unet);
		}
	}

	@Test
	void rendersBatchesOfOneAndTwoFeedingTheUNetDiffusersShapes() throws IOException {
		try (Parts parts = Parts.load()) {
			List<String> calls = new ArrayList<>();
			List<float[]> timeIds = new ArrayList<>();
			List<float[]> pooled = new ArrayList<>();
			UNet traced = parts.modules.unet();
			UNet recording = new UNet() {

				@Override
				public NDArray predict(NDArray latents, NDArray timestep, NDArray embeddings) {
					throw new AssertionError("an SDXL UNet must be handed text_embeds and time_ids");
				}

				@Override
				public NDArray predict(NDArray latents, NDArray timestep, NDArray embeddings, NDArray textEmbeds,
						NDArray ids) {
					calls.add(latents.getShape() + " " + embeddings.getShape() + " " + textEmbeds.getShape() + " "
							+ ids.getShape() + " " + ids.getDataType());
					timeIds.add(ids.toFloatArray());
					pooled.add(textEmbeds.toFloatArray());
					return traced.predict(latents, timestep, embeddings, textEmbeds, ids);
				}

			};
			try (StableDiffusionGenerator generator = new StableDiffusionGenerator("sdxl", Device.cpu(), parts.prompts,
					recording, parts.modules.vaeDecoder(), SchedulerType.DDIM, PredictionType.EPSILON, 0.13025f, 4,
					DataType.FLOAT32, NoiseSchedule.STABLE_DIFFUSION, LatentPreview.SDXL, List.of())) {
				// batch 1, guided, no negative prompt: force_zeros_for_empty_prompt → the encoders see the prompt only
				RenderedImages one = generator.render(new RenderRequest("a lighthouse at dusk", null, 128, 64, 2, 5.0,
						3, 1), StepListener.NONE);
				assertThat(parts.encoded).hasSize(1);
				assertThat(parts.encoded2).hasSize(1);
				assertThat(calls).containsOnly("(2, 4, 8, 16) (2, 77, 80) (2, 24) (2, 6) float32").hasSize(2);
				assertThat(timeIds.get(0)).containsExactly(64, 128, 0, 0, 64, 128, 64, 128, 0, 0, 64, 128);
				float[] rows = pooled.get(0);
				assertThat(java.util.Arrays.copyOfRange(rows, 24, 48)).as("the negative row's text_embeds are zeros")
					.containsOnly(0f);
				assertThat(java.util.Arrays.copyOfRange(rows, 0, 24)).as("the prompt's are not").isNotEqualTo(
						new float[24]);
				assertPicture(one.pngs(), 1, 128, 64);

				// batch 2 with a negative prompt of 100 tokens: every row takes two chunks
				calls.clear();
				timeIds.clear();
				RenderedImages two = generator.render(new RenderRequest("oil painting, red apple!",
						"a red apple on the sea at dusk, ".repeat(11) + "lighthouse", 64, 64, 2, 7.5, 11, 2),
						StepListener.NONE);
				assertThat(calls).containsOnly("(4, 4, 8, 8) (4, 154, 80) (4, 24) (4, 6) float32").hasSize(2);
				assertThat(timeIds.get(0)).containsExactly(64, 64, 0, 0, 64, 64, 64, 64, 0, 0, 64, 64, 64, 64, 0, 0,
						64, 64, 64, 64, 0, 0, 64, 64);
				assertPicture(two.pngs(), 2, 64, 64);
				assertThat(two.pngs().get(0)).isNotEqualTo(two.pngs().get(1));
			}
		}
	}

	@Test
	void loadsAndRendersTheExportedFolder() throws IOException {
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(model, "sdxl", Device.cpu(), null)) {
			assertThat(generator.scheduler()).as("the manifest's default: SDXL's EulerDiscreteScheduler").isEqualTo("euler");
			List<Integer> steps = new ArrayList<>();
			RenderedImages one = generator.render(new RenderRequest("a lighthouse at dusk", null, 128, 64, 3, 5.0, 7,
					1), (step, total) -> steps.add(step));
			assertThat(steps).containsExactly(1, 2, 3);
			assertPicture(one.pngs(), 1, 128, 64);
			RenderedImages two = generator.render(new RenderRequest("oil painting, red apple!", "blurry", 64, 64, 3,
					7.5, 7, 2), StepListener.NONE);
			assertPicture(two.pngs(), 2, 64, 64);
		}
	}

	/** A prompt of n tokens of the stand-in vocabulary (one word, one token). */
	private static String tokensText(int n) {
		return "a red apple on the sea at dusk, ".repeat(n / 9) + String.join(" ",
				List.of("a", "red", "apple", "on", "the", "sea", "at", "dusk").subList(0, n % 9));
	}

	private static void assertMatches(String what, NDArray actual, JsonObject expected) {
		List<Long> shape = new ArrayList<>();
		expected.getAsJsonArray("shape").forEach((side) -> shape.add(side.getAsLong()));
		assertThat(actual.getShape()).as("shape of %s", what)
			.isEqualTo(new Shape(shape.stream().mapToLong(Long::longValue).toArray()));
		float[] values = actual.toType(DataType.FLOAT32, false).toFloatArray();
		double sum = 0;
		for (float value : values) {
			sum += value;
		}
		double expectedSum = expected.get("sum").getAsDouble();
		// libtorch 2.7.1 vs torch 1.13 kernels: 1e-5 per value summed, plus relative 1e-4
		assertThat(sum).as("sum of %s", what)
			.isCloseTo(expectedSum, within(1e-5 * values.length + 1e-4 * Math.abs(expectedSum)));
		for (Map.Entry<String, JsonElement> pick : expected.getAsJsonObject("values").entrySet()) {
			float value = pick.getValue().getAsFloat();
			assertThat(values[Integer.parseInt(pick.getKey())]).as("%s value %s", what, pick.getKey())
				.isCloseTo(value, within(1e-4f + 1e-4f * Math.abs(value)));
		}
	}

	/** sin(frequency · i + phase) over the flattened shape, as standins.wave computes it. */
	private static NDArray wave(NDManager manager, Shape shape, JsonObject spec) {
		double frequency = spec.get("frequency").getAsDouble();
		double phase = spec.get("phase").getAsDouble();
		float[] values = new float[(int) shape.size()];
		for (int i = 0; i < values.length; i++) {
			values[i] = (float) Math.sin(i * frequency + phase);
		}
		return manager.create(values, shape);
	}

	private static void assertPicture(List<byte[]> pngs, int count, int width, int height) throws IOException {
		assertThat(pngs).hasSize(count);
		for (byte[] png : pngs) {
			BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
			assertThat(image.getWidth()).isEqualTo(width);
			assertThat(image.getHeight()).isEqualTo(height);
			int first = image.getRGB(0, 0);
			boolean varies = false;
			for (int y = 0; y < height && !varies; y++) {
				for (int x = 0; x < width && !varies; x++) {
					varies = image.getRGB(x, y) != first;
				}
			}
			assertThat(varies).as("not a flat image").isTrue();
		}
	}

	/** The exported folder's modules and tokenizers, the encoders counting their calls. */
	private record Parts(TorchScriptModules modules, ClipTokenizer tokenizer, ClipTokenizer tokenizer2,
			PromptEncoder prompts, List<String> encoded, List<String> encoded2) implements AutoCloseable {

		static Parts load() throws IOException {
			TorchScriptModules modules = TorchScriptModules.load(model, Device.cpu());
			ClipTokenizer tokenizer = ClipTokenizer.load(model.resolve("tokenizer.json"));
			ClipTokenizer tokenizer2 = ClipTokenizer.load(model.resolve("tokenizer_2.json"));
			assertThat(tokenizer2.padId()).as("the second tokenizer pads with '!'").isNotEqualTo(tokenizer.padId());
			List<String> encoded = new ArrayList<>();
			List<String> encoded2 = new ArrayList<>();
			TextEncoder first = modules.textEncoder();
			TextEncoder second = modules.textEncoder2();
			assertThat(second).isNotNull();
			TextEncoder countedFirst = (ids) -> {
				encoded.add("text_encoder " + ids.getShape());
				return first.encode(ids);
			};
			TextEncoder countedSecond = new TextEncoder() {

				@Override
				public NDArray encode(NDArray ids) {
					throw new AssertionError("SDXL needs the second encoder's pooled output");
				}

				@Override
				public NDList encodeWithPooled(NDArray ids) {
					encoded2.add("text_encoder_2 " + ids.getShape());
					return second.encodeWithPooled(ids);
				}

			};
			PromptEncoder prompts = PromptEncoder.sdxl(new PromptEncoder.Stage(tokenizer, countedFirst),
					new PromptEncoder.Stage(tokenizer2, countedSecond), true);
			return new Parts(modules, tokenizer, tokenizer2, prompts, encoded, encoded2);
		}

		NDManager manager() {
			return NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE);
		}

		@Override
		public void close() {
			this.modules.close();
			this.tokenizer.close();
			this.tokenizer2.close();
		}

	}

}
