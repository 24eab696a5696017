package dev.kiln.worker.render;

import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

class BuiltinGeneratorTests {

	@TempDir
	static Path modelDirectory;

	private static BuiltinGenerator generator;

	@BeforeAll
	static void loadModel() throws IOException {
		BuiltinGenerator.materialize(modelDirectory);
		generator = BuiltinGenerator.load(modelDirectory, "kiln-builtin", Device.cpu());
	}

	@AfterAll
	static void closeModel() {
		generator.close();
	}

	@Test
	void materializeWritesOnlyTheParameterFile() throws IOException {
		try (var files = Files.list(modelDirectory)) {
			assertThat(files.map((file) -> file.getFileName().toString()))
				.containsExactly(BuiltinGenerator.PARAMETER_FILE);
		}
	}

	@Test
	void materializeKeepsExistingParameters() throws IOException {
		Path parameters = modelDirectory.resolve(BuiltinGenerator.PARAMETER_FILE);
		byte[] before = Files.readAllBytes(parameters);
		var modified = Files.getLastModifiedTime(parameters);
		BuiltinGenerator.materialize(modelDirectory);
		assertThat(Files.getLastModifiedTime(parameters)).isEqualTo(modified);
		assertThat(Files.readAllBytes(parameters)).isEqualTo(before);
	}

	@Test
	void materializedParametersAreTheSameEveryTime(@TempDir Path other) throws IOException {
		BuiltinGenerator.materialize(other);
		assertThat(other.resolve(BuiltinGenerator.PARAMETER_FILE))
			.hasSameBinaryContentAs(modelDirectory.resolve(BuiltinGenerator.PARAMETER_FILE));
	}

	// Exact bytes where the computation is the same: the same request, in the same batch shape, on this machine
	// and engine build. Across batch shapes only RenderedImageAssertions' tolerance is promised.

	@Test
	void separatelyLoadedInstancesRenderIdenticalBytes() throws IOException {
		RenderRequest request = request("a lighthouse at dusk, oil painting", 7);
		try (BuiltinGenerator second = BuiltinGenerator.load(modelDirectory, "kiln-builtin", Device.cpu())) {
			assertThat(second.render(request, StepListener.NONE).pngs().get(0))
				.isEqualTo(generator.render(request, StepListener.NONE).pngs().get(0));
		}
	}

	@Test
	void reportsModelIdAndDevice() {
		assertThat(generator.modelId()).isEqualTo("kiln-builtin");
		assertThat(generator.device()).isEqualTo("cpu()");
		RenderedImages rendered = generator.render(request("a fox", 1), StepListener.NONE);
		assertThat(rendered.device()).isEqualTo("cpu()");
		assertThat(rendered.renderTime()).isPositive();
	}

	@Test
	void sameRequestRendersIdenticalBytes() {
		RenderRequest request = new RenderRequest("a red fox in the snow", "blurry", 128, 96, 6, 7.5, 42, 2);
		RenderedImages first = generator.render(request, StepListener.NONE);
		RenderedImages second = generator.render(request, StepListener.NONE);
		assertThat(second.pngs()).hasSize(2);
		for (int i = 0; i < 2; i++) {
			assertThat(second.pngs().get(i)).isEqualTo(first.pngs().get(i));
		}
	}

	@Test
	void differentPromptsRenderVisiblyDifferentImages() {
		BufferedImage lighthouse = render(request("a lighthouse at dusk, oil painting", 5));
		BufferedImage city = render(request("neon city skyline at night", 5));
		assertThat(meanAbsoluteDifference(lighthouse, city)).isGreaterThan(25);
	}

	@Test
	void differentSeedsRenderDifferentImages() {
		BufferedImage first = render(request("a red fox in the snow", 1));
		BufferedImage second = render(request("a red fox in the snow", 2));
		assertThat(meanAbsoluteDifference(first, second)).isGreaterThan(25);
	}

	@Test
	void negativePromptSteersTheImage() {
		RenderRequest plain = request("a red fox in the snow", 3);
		RenderRequest steered = new RenderRequest(plain.prompt(), "green forest", plain.width(), plain.height(),
				plain.steps(), plain.guidanceScale(), plain.seed(), 1);
		assertThat(meanAbsoluteDifference(render(plain), render(steered))).isGreaterThan(20);
	}

	@Test
	void rendersExactlyTheRequestedSize() {
		BufferedImage image = render(new RenderRequest("a wide picture", null, 96, 64, 3, 7.5, 9, 1));
		assertThat(image.getWidth()).isEqualTo(96);
		assertThat(image.getHeight()).isEqualTo(64);
		assertThat(image.getColorModel().getNumComponents()).isEqualTo(3);
	}

	@Test
	void tellsTheListenerAboutEveryStepInOrder() {
		List<String> calls = new ArrayList<>();
		generator.render(new RenderRequest("steps", null, 64, 64, 5, 7.5, 1, 1),
				(step, total) -> calls.add(step + "/" + total));
		assertThat(calls).containsExactly("1/5", "2/5", "3/5", "4/5", "5/5");
	}

	@Test
	void listenerThrowingStopsTheRender() {
		List<Integer> steps = new ArrayList<>();
		StepListener cancelAtThree = (step, total) -> {
			steps.add(step);
			if (step == 3) {
				throw new RenderCancelledException("cancelled");
			}
		};
		assertThatThrownBy(() -> generator.render(new RenderRequest("cancel me", null, 64, 64, 10, 7.5, 1, 1),
				cancelAtThree))
			.isInstanceOf(RenderCancelledException.class)
			.hasMessage("cancelled");
		assertThat(steps).containsExactly(1, 2, 3);
		assertThat(generator.render(request("still works", 1), StepListener.NONE).pngs()).hasSize(1);
	}

	@Test
	void batchedImagesMatchSingleRendersWithConsecutiveSeeds() {
		RenderRequest batch = new RenderRequest("a lighthouse at dusk", "blurry", 96, 64, 6, 7.5, 100, 3);
		List<byte[]> batched = generator.render(batch, StepListener.NONE).pngs();
		assertThat(batched).hasSize(3);
		for (int i = 0; i < 3; i++) {
			RenderRequest single = new RenderRequest(batch.prompt(), batch.negativePrompt(), batch.width(),
					batch.height(), batch.steps(), batch.guidanceScale(), batch.seed() + i, 1);
			byte[] alone = generator.render(single, StepListener.NONE).pngs().get(0);
			// a batch of 3 and a batch of 1 are different computations: the same image within rounding, not bytes
			RenderedImageAssertions.assertSameRender("image " + i + " vs seed + " + i + " alone", batched.get(i),
					alone);
		}
		assertThat(meanAbsoluteDifference(decode(batched.get(0)), decode(batched.get(1)))).isGreaterThan(20);
		assertThat(meanAbsoluteDifference(decode(batched.get(1)), decode(batched.get(2)))).isGreaterThan(20);
	}

	@Test
	void requestsRenderedTogetherGiveTheSameImagesAsRenderedAlone() {
		RenderRequest fox = new RenderRequest("a red fox in the snow", "blurry", 96, 64, 6, 7.5, 42, 2);
		RenderRequest city = new RenderRequest("neon city skyline at night", null, 96, 64, 6, 5.0, 7, 1);
		List<RenderedImages> together = generator.render(List.of(fox, city), fresh(2), RenderMonitor.of(StepListener.NONE));
		assertThat(together).hasSize(2);
		List<byte[]> foxAlone = generator.render(fox, StepListener.NONE).pngs();
		List<byte[]> cityAlone = generator.render(city, StepListener.NONE).pngs();
		// one forward pass over both requests is another computation than one per request (kernels are picked
		// and tiled by shape and thread count): the same images within rounding, not the same bytes
		RenderedImageAssertions.assertSameRenders("fox rendered with the city", together.get(0).pngs(), foxAlone);
		RenderedImageAssertions.assertSameRenders("city rendered with the fox", together.get(1).pngs(), cityAlone);
		assertThat(meanAbsoluteDifference(decode(together.get(0).pngs().get(0)), decode(together.get(1).pngs().get(0))))
			.as("the two requests' images are not mixed up")
			.isGreaterThan(20);
	}

	@Test
	void aRenderResumedFromACheckpointGivesTheSameBytesAsOneNeverInterrupted() {
		RenderRequest request = new RenderRequest("a lighthouse at dusk", null, 64, 96, 10, 7.5, 3, 2);
		List<RenderCheckpoint> checkpoints = new ArrayList<>();
		RenderMonitor stopAfterFour = new RenderMonitor() {
			@Override
			public boolean wantsCheckpoint(int step, int totalSteps) {
				return step == 4;
			}

			@Override
			public void onCheckpoint(int index, RenderCheckpoint checkpoint) {
				checkpoints.add(RenderCheckpoint.fromBytes(checkpoint.toBytes()));
			}

			@Override
			public void onStep(int step, int totalSteps) {
				if (step == 4) {
					throw new RenderCancelledException("stop");
				}
			}
		};
		assertThatThrownBy(() -> generator.render(List.of(request), fresh(1), stopAfterFour))
			.isInstanceOf(RenderCancelledException.class);
		assertThat(checkpoints).singleElement().satisfies((checkpoint) -> {
			assertThat(checkpoint.step()).isEqualTo(4);
			assertThat(checkpoint.totalSteps()).isEqualTo(10);
		});
		List<Integer> resumedSteps = new ArrayList<>();
		List<@org.jspecify.annotations.Nullable RenderCheckpoint> from = new ArrayList<>(checkpoints);
		List<byte[]> resumed = generator
			.render(List.of(request), from, RenderMonitor.of((step, total) -> resumedSteps.add(step)))
			.get(0)
			.pngs();
		assertThat(resumedSteps).containsExactly(5, 6, 7, 8, 9, 10);
		List<byte[]> uninterrupted = generator.render(request, StepListener.NONE).pngs();
		// exact: the resumed render runs the same steps on the same batch shape as the uninterrupted one, from the
		// very floats the checkpoint saved
		for (int i = 0; i < 2; i++) {
			assertThat(resumed.get(i)).isEqualTo(uninterrupted.get(i));
		}
	}

	@Test
	void aCheckpointOfAnotherShapeIsRefused() {
		RenderRequest request = new RenderRequest("x", null, 64, 64, 10, 7.5, 3, 1);
		List<@org.jspecify.annotations.Nullable RenderCheckpoint> from = new ArrayList<>();
		from.add(new RenderCheckpoint(4, 10, new float[12]));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> generator.render(List.of(request), from, RenderMonitor.of(StepListener.NONE)))
			.withMessageContaining("Checkpoint does not belong");
	}

	@Test
	void drawsLowResolutionPreviewsWhenAsked() {
		List<String> previews = new ArrayList<>();
		RenderMonitor everyThird = new RenderMonitor() {
			@Override
			public boolean wantsPreview(int step, int totalSteps) {
				return step % 3 == 0;
			}

			@Override
			public void onPreview(int index, int step, byte[] png) {
				BufferedImage image = decode(png);
				previews.add(index + "@" + step + ":" + image.getWidth() + "x" + image.getHeight());
			}

			@Override
			public void onStep(int step, int totalSteps) {
			}
		};
		generator.render(List.of(new RenderRequest("a", null, 128, 64, 7, 7.5, 1, 2),
				new RenderRequest("b", null, 128, 64, 7, 7.5, 2, 1)), fresh(2), everyThird);
		assertThat(previews).containsExactly("0@3:32x16", "1@3:32x16", "0@6:32x16", "1@6:32x16");
	}

	private static List<@org.jspecify.annotations.Nullable RenderCheckpoint> fresh(int requests) {
		List<@org.jspecify.annotations.Nullable RenderCheckpoint> none = new ArrayList<>();
		for (int i = 0; i < requests; i++) {
			none.add(null);
		}
		return none;
	}

	@Test
	void latentsGetCleanerStepByStep() {
		int steps = 10;
		int side = 16;
		List<Double> roughness = new ArrayList<>();
		generator.render(new RenderRequest("a lighthouse at dusk", null, side * 8, side * 8, steps, 7.5, 11, 1),
				StepListener.NONE, (step, latents) -> roughness.add(latentRoughness(latents, side)));
		assertThat(roughness).hasSize(steps);
		// starts close to white noise (about 20), ends smooth, and never gets rougher on the way
		assertThat(roughness.get(0)).isGreaterThan(10);
		assertThat(roughness.get(steps - 1)).isLessThan(roughness.get(0) / 5);
		for (int i = 1; i < steps; i++) {
			assertThat(roughness.get(i)).as("roughness after step %d", i + 1).isLessThan(roughness.get(i - 1));
		}
	}

	@Test
	void moreStepsGiveACleanerImage() {
		double oneStep = pixelRoughness(render(new RenderRequest("a lighthouse", null, 128, 128, 1, 7.5, 5, 1)));
		double eightSteps = pixelRoughness(render(new RenderRequest("a lighthouse", null, 128, 128, 8, 7.5, 5, 1)));
		assertThat(oneStep).isGreaterThan(1.3 * eightSteps);
	}

	@Test
	void rejectsSizesThatAreNotMultiplesOfEight() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> generator.render(new RenderRequest("x", null, 100, 64, 1, 7.5, 1, 1), StepListener.NONE))
			.withMessageContaining("width must be a multiple of 8");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> generator.render(new RenderRequest("x", null, 64, 64, 1, 7.5, 1, 9), StepListener.NONE))
			.withMessageContaining("numImages");
	}

	@Test
	void loadingAMissingDirectoryFailsClearly(@TempDir Path parent) {
		Path missing = parent.resolve("nowhere");
		assertThatThrownBy(() -> BuiltinGenerator.load(missing, "kiln-builtin", Device.cpu()))
			.isInstanceOf(FileNotFoundException.class)
			.hasMessageContaining(missing.toString())
			.hasMessageContaining("does not exist");
	}

	@Test
	void loadingADirectoryWithoutParametersFailsClearly(@TempDir Path empty) {
		assertThatThrownBy(() -> BuiltinGenerator.load(empty, "kiln-builtin", Device.cpu()))
			.isInstanceOf(FileNotFoundException.class)
			.hasMessageContaining("holds no " + BuiltinGenerator.PARAMETER_FILE);
	}

	@Test
	void loadingCorruptParametersFailsClearly(@TempDir Path corrupt) throws IOException {
		byte[] parameters = Files.readAllBytes(modelDirectory.resolve(BuiltinGenerator.PARAMETER_FILE));
		Files.write(corrupt.resolve(BuiltinGenerator.PARAMETER_FILE),
				java.util.Arrays.copyOf(parameters, parameters.length / 2));
		assertThatThrownBy(() -> BuiltinGenerator.load(corrupt, "kiln-builtin", Device.cpu()))
			.isInstanceOf(IOException.class)
			.hasMessageContaining("corrupt");
	}

	@Test
	void closedGeneratorRefusesToRender() throws IOException {
		BuiltinGenerator closed = BuiltinGenerator.load(modelDirectory, "kiln-builtin", Device.cpu());
		closed.close();
		assertThatIllegalStateException().isThrownBy(() -> closed.render(request("x", 1), StepListener.NONE))
			.withMessageContaining("closed");
	}

	@Test
	void picksTheCpuWhenAskedOrWhenThereIsNoGpu() {
		assertThat(BuiltinGenerator.pickDevice("cpu")).isEqualTo(Device.cpu());
		assumeThat(Engine.getEngine("PyTorch").getGpuCount()).isZero();
		assertThat(BuiltinGenerator.pickDevice("auto")).isEqualTo(Device.cpu());
		assertThatIllegalArgumentException().isThrownBy(() -> BuiltinGenerator.pickDevice("gpu"))
			.withMessageContaining("no GPU");
	}

	@Test
	void rejectsAnUnknownDevicePreference() {
		assertThatIllegalArgumentException().isThrownBy(() -> BuiltinGenerator.pickDevice("tpu"))
			.withMessageContaining("'auto', 'cpu' or 'gpu'");
	}

	private static RenderRequest request(String prompt, long seed) {
		return new RenderRequest(prompt, null, 128, 128, 12, 7.5, seed, 1);
	}

	private static BufferedImage render(RenderRequest request) {
		return decode(generator.render(request, StepListener.NONE).pngs().get(0));
	}

	private static BufferedImage decode(byte[] png) {
		return RenderedImageAssertions.decode(png);
	}

	private static double meanAbsoluteDifference(BufferedImage a, BufferedImage b) {
		return RenderedImageAssertions.Difference.between(a, b).meanChannel();
	}

	/**
	 * High-frequency energy relative to total energy: the mean squared discrete Laplacian over the variance. White
	 * noise scores about 20; a smooth field scores near 0.
	 */
	private static double roughness(double[][] field) {
		int h = field.length;
		int w = field[0].length;
		double mean = 0;
		for (double[] row : field) {
			for (double v : row) {
				mean += v;
			}
		}
		mean /= (double) h * w;
		double variance = 0;
		for (double[] row : field) {
			for (double v : row) {
				variance += (v - mean) * (v - mean);
			}
		}
		variance /= (double) h * w;
		double laplacian = 0;
		for (int y = 1; y < h - 1; y++) {
			for (int x = 1; x < w - 1; x++) {
				double l = 4 * field[y][x] - field[y - 1][x] - field[y + 1][x] - field[y][x - 1] - field[y][x + 1];
				laplacian += l * l;
			}
		}
		laplacian /= (double) (h - 2) * (w - 2);
		return laplacian / variance;
	}

	private static double latentRoughness(float[] latents, int side) {
		int channels = BuiltinNetwork.LATENT_CHANNELS;
		double total = 0;
		for (int c = 0; c < channels; c++) {
			double[][] field = new double[side][side];
			for (int p = 0; p < side * side; p++) {
				field[p / side][p % side] = latents[p * channels + c];
			}
			total += roughness(field);
		}
		return total / channels;
	}

	private static double pixelRoughness(BufferedImage image) {
		double total = 0;
		for (int shift = 0; shift <= 16; shift += 8) {
			double[][] field = new double[image.getHeight()][image.getWidth()];
			for (int y = 0; y < image.getHeight(); y++) {
				for (int x = 0; x < image.getWidth(); x++) {
					field[y][x] = (image.getRGB(x, y) >> shift) & 0xff;
				}
			}
			total += roughness(field);
		}
		return total / 3;
	}

}
