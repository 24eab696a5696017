package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import ai.djl.Device;
import dev.kiln.worker.render.InitImage;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImageAssertions;
import dev.kiln.worker.render.StepListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * img2img on the stand-in model {@code tools/export-model} exported (its traced {@code vae_encoder.pt} included; the
 * build's pre-integration-test phase writes it to {@code kiln.exported-model}), with the UNet's calls counted.
 * <p>
 * The stand-in VAE has random weights: its decoder does not invert its encoder, so the init image "as the model sees
 * it" is {@code decode(encode(init))}, what a render whose strength leaves no step gives. A low strength must stay
 * close to that, a full strength must not.
 */
class ExportedImageToImageIntegrationTests {

	private static final int SIZE = 64;

	private static final int STEPS = 10;

	private static Path model;

	private static final AtomicInteger unetCalls = new AtomicInteger();

	private static final List<AutoCloseable> resources = new ArrayList<>();

	private static StableDiffusionGenerator ddim;

	private static StableDiffusionGenerator pndm;

	@BeforeAll
	static void load() throws IOException {
		String location = System.getProperty("kiln.exported-model");
		assertThat(location).as("system property kiln.exported-model: run through Maven").isNotBlank();
		model = Path.of(location, "model");
		ddim = counting(SchedulerType.DDIM);
		pndm = counting(SchedulerType.PNDM);
	}

	/** The exported folder's modules, its UNet wrapped to count calls, as {@link StableDiffusionGenerator#load}. */
	private static StableDiffusionGenerator counting(SchedulerType scheduler) throws IOException {
		ModelManifest manifest = ModelManifest.read(model.resolve(ModelManifest.FILE));
		TorchScriptModules modules = TorchScriptModules.load(model, Device.cpu());
		resources.add(modules);
		ClipTokenizer tokenizer = ClipTokenizer.load(model.resolve(StableDiffusionGenerator.TOKENIZER_FILE));
		resources.add(tokenizer);
		UNet unet = modules.unet();
		UNet counted = (latents, timestep, embeddings) -> {
			unetCalls.incrementAndGet();
			return unet.predict(latents, timestep, embeddings);
		};
		return new StableDiffusionGenerator("exported", Device.cpu(),
				PromptEncoder.single(tokenizer, modules.textEncoder()), counted, modules.vaeDecoder(),
				modules.vaeEncoder(), scheduler, PredictionType.of(manifest.predictionType()),
				(float) manifest.vaeScalingFactor(), manifest.latentChannels(), null,
				NoiseSchedule.STABLE_DIFFUSION.withSpacing(NoiseSchedule.Spacing.of(manifest.timestepSpacing()),
						NoiseSchedule.STABLE_DIFFUSION.stepsOffset()),
				null, List.of());
	}

	@AfterAll
	static void close() throws Exception {
		for (AutoCloseable resource : resources) {
			resource.close();
		}
	}

	/** A smooth colour gradient: red across, green down, blue constant. */
	private static BufferedImage gradient() {
		BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < SIZE; y++) {
			for (int x = 0; x < SIZE; x++) {
				image.setRGB(x, y, ((x * 4) << 16) | ((y * 4) << 8) | 0x60);
			}
		}
		return image;
	}

	private static RenderRequest request(double strength) {
		return new RenderRequest("a red apple", null, SIZE, SIZE, STEPS, 7.5, 7, 1, null,
				InitImage.of(gradient(), strength), null);
	}

	/** Renders and counts: UNet calls and the steps the listener heard of, with their total. */
	private static Render render(StableDiffusionGenerator generator, double strength) {
		List<int[]> heard = new ArrayList<>();
		unetCalls.set(0);
		byte[] png = generator.render(request(strength), (step, total) -> heard.add(new int[] { step, total }))
			.pngs()
			.get(0);
		return new Render(png, unetCalls.get(), heard);
	}

	private record Render(byte[] png, int unetCalls, List<int[]> heard) {

		List<Integer> steps() {
			return this.heard.stream().map((pair) -> pair[0]).toList();
		}

		List<Integer> totals() {
			return this.heard.stream().map((pair) -> pair[1]).distinct().toList();
		}

	}

	@Test
	void theExportedFolderRendersImageToImage() throws IOException {
		// load() checks the folder with a one-step render from an init image when it has a VAE encoder
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(model, "exported", Device.cpu(),
				null)) {
			assertThat(generator.imageToImage()).isTrue();
		}
	}

	@Test
	void ddimRunsTheLastStepsThatStrengthLeavesOneUnetCallEach() {
		// get_timesteps: int(10 × 0.3) = 3 steps run (t_start 7); int(10 × 1.0) = 10
		Render low = render(ddim, 0.3);
		assertThat(low.unetCalls()).isEqualTo(3);
		assertThat(low.steps()).containsExactly(1, 2, 3);
		assertThat(low.totals()).containsExactly(3);
		Render full = render(ddim, 1.0);
		assertThat(full.unetCalls()).isEqualTo(10);
		assertThat(full.totals()).containsExactly(10);
	}

	@Test
	void pndmRunsItsEvaluationsFromTheStartStep() {
		// PNDM's 10 steps are 11 evaluations (the second timestep repeated); diffusers slices them at t_start = 7:
		// 4 evaluations, of which the first two make one step
		Render low = render(pndm, 0.3);
		assertThat(low.unetCalls()).isEqualTo(4);
		assertThat(low.steps()).containsExactly(1, 2, 3);
	}

	@Test
	void aLowStrengthStaysCloserToTheInitImageThanAFullOne() {
		// strength 0.05 leaves int(0.5) = 0 steps: no UNet call, the init image through the VAE and back
		Render seen = render(ddim, 0.05);
		assertThat(seen.unetCalls()).isZero();
		assertThat(seen.heard()).isEmpty();
		Render low = render(ddim, 0.3);
		Render full = render(ddim, 1.0);
		RenderedImageAssertions.Difference lowDifference = RenderedImageAssertions.Difference.between(low.png(),
				seen.png());
		RenderedImageAssertions.Difference fullDifference = RenderedImageAssertions.Difference.between(full.png(),
				seen.png());
		System.out.printf("img2img stand-in: mean channel difference to decode(encode(init)) at strength 0.3: %.2f,"
				+ " at 1.0: %.2f (PSNR %.1f / %.1f dB)%n", lowDifference.meanChannel(), fullDifference.meanChannel(),
				lowDifference.psnr(), fullDifference.psnr());
		// tolerance: the low-strength render's mean channel difference is at most half the full-strength one's
		assertThat(lowDifference.meanChannel()).isLessThan(fullDifference.meanChannel() / 2);
	}

	@Test
	void theSameSeedAndInitImageRenderTheSameImage() {
		RenderedImageAssertions.assertSameRender("img2img again", render(ddim, 0.5).png(), render(ddim, 0.5).png());
	}

	@Test
	void aFolderWithoutAVaeEncoderRendersTextToImageOnlyAndRefusesInitImages(@TempDir Path folder)
			throws IOException {
		for (String file : List.of(StableDiffusionGenerator.TEXT_ENCODER_FILE, StableDiffusionGenerator.UNET_FILE,
				StableDiffusionGenerator.VAE_DECODER_FILE, StableDiffusionGenerator.TOKENIZER_FILE)) {
			Files.copy(model.resolve(file), folder.resolve(file));
		}
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(folder, "no-encoder", Device.cpu(),
				"ddim")) {
			assertThat(generator.imageToImage()).isFalse();
			assertThatIllegalArgumentException().isThrownBy(() -> generator.render(request(0.5), StepListener.NONE))
				.withMessageContaining("text-to-image only");
		}
	}

}
