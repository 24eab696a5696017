package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import ai.djl.Device;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderMonitor;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImageAssertions;
import dev.kiln.worker.render.RenderedImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Previews from the folder {@code tools/export-model} wrote from its stand-ins (see
 * {@link ExportedModelRoundTripIntegrationTests}): a batch of two requests (three images) through the traced modules
 * on libtorch, previews asked every second step, as the worker's {@code preview-every: 2} asks.
 */
class ExportedModelPreviewIntegrationTests {

	private static Path model;

	@BeforeAll
	static void exported() {
		String location = System.getProperty("kiln.exported-model");
		assertThat(location).as("system property kiln.exported-model (set by the Maven build)").isNotBlank();
		model = Path.of(location, "model");
	}

	@Test
	void aBatchedRenderOfTheExportedModelSendsEachRequestAPreviewEverySecondStep() throws IOException {
		int every = 2;
		int steps = 7;
		RenderRequest lighthouse = new RenderRequest("a lighthouse at dusk", "blurry", 128, 64, steps, 7.5, 7, 2);
		RenderRequest apple = new RenderRequest("oil painting, red apple!", null, 128, 64, steps, 1.0, 8, 1);
		List<String> previews = new ArrayList<>();
		List<byte[]> pngs = new ArrayList<>();
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(model, "exported", Device.cpu(),
				null)) {
			List<RenderedImages> images = generator.render(List.of(lighthouse, apple), Arrays.asList(null, null),
					new RenderMonitor() {
						@Override
						public boolean wantsPreview(int step, int totalSteps) {
							return step % every == 0;
						}

						@Override
						public void onPreview(int request, int step, byte[] png) {
							BufferedImage image = RenderedImageAssertions.decode(png);
							previews.add(request + "@" + step + " " + image.getWidth() + "x" + image.getHeight());
							pngs.add(png);
						}

						@Override
						public void onStep(int step, int totalSteps) {
						}
					});
			assertThat(images.get(0).pngs()).hasSize(2);
			assertThat(images.get(1).pngs()).hasSize(1);
		}
		// steps 2, 4, 6 of 7, one preview per request each: 128x64 → latent 16x8 → preview 32x16
		assertThat(previews).containsExactly("0@2 32x16", "1@2 32x16", "0@4 32x16", "1@4 32x16", "0@6 32x16",
				"1@6 32x16");
		assertThat(pngs.get(0)).as("the two requests' previews differ").isNotEqualTo(pngs.get(1));
		assertThat(pngs.get(4)).as("a request's preview changes as it denoises").isNotEqualTo(pngs.get(0));
	}

	@Test
	void aRenderResumedFromACheckpointPreviewsItsRemainingSteps() throws IOException {
		RenderRequest request = new RenderRequest("a lighthouse at dusk", null, 64, 64, 4, 7.5, 3, 1);
		List<Integer> previewed = new ArrayList<>();
		RenderCheckpoint[] saved = new RenderCheckpoint[1];
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(model, "exported", Device.cpu(),
				"ddim")) {
			generator.render(List.of(request), Arrays.asList((RenderCheckpoint) null), new RenderMonitor() {
				@Override
				public boolean wantsCheckpoint(int step, int totalSteps) {
					return step == 1;
				}

				@Override
				public void onCheckpoint(int index, RenderCheckpoint checkpoint) {
					saved[0] = checkpoint;
				}

				@Override
				public void onStep(int step, int totalSteps) {
				}
			});
			generator.render(List.of(request), List.of(saved[0]), new RenderMonitor() {
				@Override
				public boolean wantsPreview(int step, int totalSteps) {
					return true;
				}

				@Override
				public void onPreview(int index, int step, byte[] png) {
					previewed.add(step);
				}

				@Override
				public void onStep(int step, int totalSteps) {
				}
			});
		}
		assertThat(previewed).containsExactly(2, 3);
	}

}
