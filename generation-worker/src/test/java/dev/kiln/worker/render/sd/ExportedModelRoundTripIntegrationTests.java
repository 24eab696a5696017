package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
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
 * The cross-language check: {@code tools/export-model} (Python, torch 1.13) traced its stand-in modules into the
 * folder named by {@code kiln.exported-model} (the build's pre-integration-test phase runs
 * {@code tests/standins.py}); here libtorch 2.7.1 loads them through DJL, computes what Python computed (token ids,
 * UNet outputs at a batch the UNet was not traced at) and renders PNGs at batch 1 and 3.
 */
class ExportedModelRoundTripIntegrationTests {

	private static Path model;

	private static JsonObject reference;

	@BeforeAll
	static void exported() throws IOException {
		String location = System.getProperty("kiln.exported-model");
		assertThat(location).as("system property kiln.exported-model: run through Maven (its pre-integration-test"
				+ " phase exports tools/export-model's stand-ins), or set it to a folder standins.py wrote")
			.isNotBlank();
		model = Path.of(location, "model");
		reference = JsonParser.parseString(Files.readString(Path.of(location, "reference.json"))).getAsJsonObject();
	}

	@Test
	void manifestDescribesTheExportAndHashesEveryFile() throws IOException, NoSuchAlgorithmException {
		ModelManifest manifest = ModelManifest.read(model.resolve(ModelManifest.FILE));
		assertThat(manifest.family()).isEqualTo("sd1");
		assertThat(manifest.dtype()).isEqualTo("fp32");
		assertThat(manifest.sizes()).containsExactly(new ModelManifest.Size(64, 64), new ModelManifest.Size(128, 64));
		assertThat(manifest.maxBatch()).isEqualTo(reference.get("max_batch").getAsInt()).isEqualTo(3);
		assertThat(manifest.defaultScheduler()).isEqualTo("pndm");
		assertThat(manifest.vaeScalingFactor()).isEqualTo(0.18215, within(1e-9));
		assertThat(manifest.files().keySet()).containsExactlyInAnyOrder("text_encoder.pt", "unet.pt",
				"vae_decoder.pt", "vae_encoder.pt", "tokenizer.json", "scheduler_config.json");
		for (Map.Entry<String, ModelManifest.FileEntry> file : manifest.files().entrySet()) {
			byte[] bytes = Files.readAllBytes(model.resolve(file.getKey()));
			assertThat(bytes.length).as(file.getKey()).isEqualTo(file.getValue().size());
			assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
				.as("sha256 of %s", file.getKey())
				.isEqualTo(file.getValue().sha256());
		}
	}

	@Test
	void tokenizerBuiltFromVocabAndMergesGivesPythonsIds() throws IOException {
		try (ClipTokenizer tokenizer = ClipTokenizer.load(model.resolve("tokenizer.json"))) {
			int checked = 0;
			for (JsonElement entry : reference.getAsJsonArray("tokens")) {
				String prompt = entry.getAsJsonObject().get("prompt").getAsString();
				long[] expected = new long[PromptTokenizer.LENGTH];
				var ids = entry.getAsJsonObject().getAsJsonArray("ids");
				for (int i = 0; i < expected.length; i++) {
					expected[i] = ids.get(i).getAsLong();
				}
				assertThat(tokenizer.ids(prompt)).as("ids of %s", prompt).containsExactly(expected);
				checked++;
			}
			assertThat(checked).isGreaterThanOrEqualTo(4);
		}
	}

	@Test
	void unetTracedAtOneImageGivesPythonsOutputsAtThreeImages() throws IOException {
		JsonObject unet = reference.getAsJsonObject("unet");
		int rows = unet.get("rows").getAsInt();
		int width = unet.get("width").getAsInt();
		int height = unet.get("height").getAsInt();
		int textDim = unet.get("text_dim").getAsInt();
		assertThat(rows).as("2 × max batch rows; the trace saw 2").isEqualTo(6);
		try (TorchScriptModules modules = TorchScriptModules.load(model, Device.cpu());
				NDManager manager = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			Shape sampleShape = new Shape(rows, 4, height / 8, width / 8);
			NDArray sample = wave(manager, sampleShape, unet.getAsJsonObject("sample"));
			NDArray text = wave(manager, new Shape(rows, 77, textDim), unet.getAsJsonObject("text"));
			NDArray out = modules.unet().predict(sample, manager.create(unet.get("timestep").getAsLong()), text);
			assertThat(out.getShape()).isEqualTo(sampleShape);
			float[] values = out.toFloatArray();
			double sum = 0;
			for (float value : values) {
				sum += value;
			}
			double expectedSum = unet.get("sum").getAsDouble();
			assertThat(sum).isCloseTo(expectedSum, within(1e-3 * values.length * 1e-2 + 1e-4 * Math.abs(expectedSum)));
			for (Map.Entry<String, JsonElement> pick : unet.getAsJsonObject("values").entrySet()) {
				float expected = pick.getValue().getAsFloat();
				assertThat(values[Integer.parseInt(pick.getKey())]).as("output value %s", pick.getKey())
					.isCloseTo(expected, within(1e-4f + 1e-4f * Math.abs(expected)));
			}
		}
	}

	@Test
	void rendersPngsAtBatchOneAndThreeFromTheExportedFolder() throws IOException {
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(model, "exported", Device.cpu(), null)) {
			assertThat(generator.scheduler()).as("the manifest's default").isEqualTo("pndm");
			List<Integer> steps = new ArrayList<>();
			RenderedImages one = generator.render(new RenderRequest("a lighthouse at dusk", "blurry", 64, 64, 3, 7.5, 7,
					1), (step, total) -> steps.add(step));
			assertThat(steps).containsExactly(1, 2, 3);
			assertThat(one.pngs()).hasSize(1);
			assertPicture(one.pngs().get(0), 64, 64);
			RenderedImages three = generator.render(new RenderRequest("oil painting, red apple!", null, 128, 64, 3, 7.5,
					7, 3), StepListener.NONE);
			assertThat(three.pngs()).hasSize(3);
			for (byte[] png : three.pngs()) {
				assertPicture(png, 128, 64);
			}
			assertThat(three.pngs().get(0)).as("image i is drawn from seed + i").isNotEqualTo(three.pngs().get(1));
		}
	}

	/** sin(frequency · i + phase) over the flattened shape, as standins.wave computes it (in double, then float). */
	private static NDArray wave(NDManager manager, Shape shape, JsonObject spec) {
		double frequency = spec.get("frequency").getAsDouble();
		double phase = spec.get("phase").getAsDouble();
		float[] values = new float[(int) shape.size()];
		for (int i = 0; i < values.length; i++) {
			values[i] = (float) Math.sin(i * frequency + phase);
		}
		return manager.create(values, shape).toType(DataType.FLOAT32, false);
	}

	private static void assertPicture(byte[] png, int width, int height) throws IOException {
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
