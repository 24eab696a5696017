package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;
import dev.kiln.worker.render.StepListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The TorchScript adapters and {@link StableDiffusionGenerator#load} on real (tiny, parameterless) TorchScript
 * modules written by {@link TinyTorchScript}, which check their inputs against Stable Diffusion's contracts.
 */
class TorchScriptModulesTests {

	@Test
	void adaptersHonourTheTensorContracts(@TempDir Path directory) throws IOException {
		TinyTorchScript.writeStableDiffusionFolder(directory);
		try (TorchScriptModules modules = TorchScriptModules.load(directory, Device.cpu());
				NDManager manager = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			NDArray ids = manager.arange(0, 77, 1, DataType.INT64).reshape(1, 77);
			NDArray embedding = modules.textEncoder().encode(ids);
			assertThat(embedding.getDataType()).isEqualTo(DataType.FLOAT32);
			assertThat(embedding.getShape()).isEqualTo(new Shape(1, 77, 768));
			assertThat(embedding.getFloat(0, 76, 0)).isCloseTo(0.076f, within(1e-6f));
			NDArray noise = modules.unet()
				.predict(manager.ones(new Shape(4, 4, 8, 16)), manager.create(981L), embedding.repeat(0, 4));
			assertThat(noise.getDataType()).isEqualTo(DataType.FLOAT32);
			assertThat(noise.getShape()).isEqualTo(new Shape(4, 4, 8, 16));
			NDArray image = modules.vaeDecoder().decode(manager.zeros(new Shape(3, 4, 8, 16)));
			assertThat(image.getDataType()).isEqualTo(DataType.FLOAT32);
			assertThat(image.getShape()).isEqualTo(new Shape(3, 3, 64, 128));
			assertThat(noise.getManager()).isSameAs(manager);
		}
	}

	@Test
	void unetRejectsAFloatTimestep(@TempDir Path directory) throws IOException {
		TinyTorchScript.writeStableDiffusionFolder(directory);
		try (TorchScriptModules modules = TorchScriptModules.load(directory, Device.cpu());
				NDManager manager = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			assertThatThrownBy(() -> modules.unet()
				.predict(manager.ones(new Shape(2, 4, 8, 8)), manager.create(981f), manager.ones(new Shape(2, 77, 8))))
				.isInstanceOf(EngineException.class)
				.hasMessageContaining("timestep must be an integer scalar");
		}
	}

	@Test
	void textEncoderReturningTokensFirstIsAlsoUnderstood(@TempDir Path directory) throws IOException {
		TinyTorchScript.writeStableDiffusionFolder(directory);
		// Hugging Face's CLIPTextModel traced with return_dict=False: (last_hidden_state, pooler_output)
		TinyTorchScript.write(directory.resolve("text_encoder.pt"), "TextEncoder", """
				  def forward(self: __torch__.TextEncoder,
				    ids: Tensor) -> Tuple[Tensor, Tensor]:
				    e = torch.repeat(torch.unsqueeze(ids.float(), 2), [1, 1, 1024])
				    return (e, torch.mean(e, [1]))
				""");
		try (TorchScriptModules modules = TorchScriptModules.load(directory, Device.cpu());
				NDManager manager = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			NDArray embedding = modules.textEncoder().encode(manager.zeros(new Shape(1, 77), DataType.INT64));
			assertThat(embedding.getShape()).isEqualTo(new Shape(1, 77, 1024));
		}
	}

	@Test
	void loadedFolderRendersPngs(@TempDir Path directory) throws IOException {
		TinyTorchScript.writeStableDiffusionFolder(directory);
		Files.writeString(directory.resolve("scheduler_config.json"), "{\"prediction_type\": \"v_prediction\"}");
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(directory, "sd-tiny", Device.cpu(),
				"Euler-Ancestral")) {
			assertThat(generator.modelId()).isEqualTo("sd-tiny");
			assertThat(generator.device()).isEqualTo(Device.cpu().toString());
			assertThat(generator.scheduler()).isEqualTo("euler-ancestral");
			RenderedImages images = generator
				.render(new RenderRequest("a lighthouse at dusk", "blurry", 128, 64, 3, 7.5, 3, 2), StepListener.NONE);
			assertThat(images.pngs()).hasSize(2);
			for (byte[] png : images.pngs()) {
				BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
				assertThat(image.getWidth()).isEqualTo(128);
				assertThat(image.getHeight()).isEqualTo(64);
			}
		}
	}

	@Test
	void loadFailsWhenTheModulesBreakTheContract(@TempDir Path directory) throws IOException {
		TinyTorchScript.writeStableDiffusionFolder(directory);
		TinyTorchScript.write(directory.resolve("vae_decoder.pt"), "VaeDecoder", """
				  def forward(self: __torch__.VaeDecoder,
				    z: Tensor) -> Tensor:
				    return torch.slice(z, 1, 0, 3)
				""");
		assertThatIOException().isThrownBy(() -> StableDiffusionGenerator.load(directory, "sd", Device.cpu(), "ddim"))
			.withMessageContaining("failed a one-step 64x64 check render")
			.withMessageContaining("VAE decoder output must be floating-point (1, 3, 64, 64) but was float32 (1, 3, 8, 8)");
	}

}
