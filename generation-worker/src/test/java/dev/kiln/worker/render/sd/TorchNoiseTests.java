package dev.kiln.worker.render.sd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A seed gives the noise PyTorch's CPU generator gives for it, so Kiln's initial latents are diffusers' for the same
 * seed. Expected values come from PyTorch itself (torch 1.13.0a0, the Debian package, on the build machine), by the
 * commands quoted beside them; PyTorch's CPU normal sampler (mt19937, Box–Muller over blocks of 16) gave the same
 * values in torch 1.13 as in the libtorch 2.7.1 DJL runs, which is what these tests check.
 */
class TorchNoiseTests {

	private static final Path PYTHON = Path.of("/usr/bin/python3");

	private NDManager manager;

	@BeforeEach
	void startEngine() {
		this.manager = NDManager.newBaseManager(TorchScriptModules.ENGINE);
	}

	@AfterEach
	void stopEngine() {
		this.manager.close();
	}

	private static void assertValues(float[] actual, double... expected) {
		assertThat(actual).hasSizeGreaterThanOrEqualTo(expected.length);
		for (int i = 0; i < expected.length; i++) {
			assertThat((double) actual[i]).as("value %d", i).isCloseTo(expected[i], within(1e-4));
		}
	}

	@Test
	void seedZeroGivesTorchsFirstFourNormals() {
		// torch.manual_seed(0); torch.randn(4) -> tensor([ 1.5410, -0.2934, -2.1788,  0.5684])
		List<NDArray> drawn = TorchNoise.randn(this.manager, 0, new Shape(4), 1);
		assertValues(drawn.get(0).toFloatArray(), 1.5410, -0.2934, -2.1788, 0.5684);
	}

	@Test
	void latentsOfASeedAreDiffusersLatents() {
		// g = torch.Generator("cpu").manual_seed(42); a = torch.randn((1, 4, 8, 8), generator=g)
		// a.flatten()[:4] -> [1.9269152879714966, 1.4872840642929077, 0.9007171988487244, -2.1055209636688232]
		// a.flatten()[-2:] -> [0.5057917237281799, 0.22245365381240845]; a.sum() -> 16.138675689697266
		try (TorchNoise noise = TorchNoise.perImage(new long[] { 42 }, 1)) {
			NDArray latents = noise.next(this.manager, new Shape(1, 4, 8, 8));
			float[] values = latents.toFloatArray();
			assertValues(values, 1.9269152879714966, 1.4872840642929077, 0.9007171988487244, -2.1055209636688232);
			assertThat((double) values[254]).isCloseTo(0.5057917237281799, within(1e-5));
			assertThat((double) values[255]).isCloseTo(0.22245365381240845, within(1e-5));
			assertThat((double) latents.sum().getFloat()).isCloseTo(16.138675689697266, within(1e-3));
		}
	}

	@Test
	void laterDrawsContinueTheSeedsStreamAsAncestralStepsDo() {
		// g = torch.Generator("cpu").manual_seed(1234); a = torch.randn((1, 4, 64, 64), generator=g)
		// b = torch.randn((1, 4, 64, 64), generator=g)
		// a.flatten()[:3] -> [-0.1117185652256012, -0.49659010767936707, 0.16307370364665985]; a.sum() -> -6.569936752
		// b.flatten()[:3] -> [-0.8784563541412354, -0.2883181869983673, -0.22015348076820374]; b.sum() -> 49.36832047
		Shape shape = new Shape(1, 4, 64, 64);
		try (TorchNoise noise = TorchNoise.perImage(new long[] { 1234 }, 2)) {
			NDArray first = noise.next(this.manager, shape);
			NDArray second = noise.next(this.manager, shape);
			assertValues(first.toFloatArray(), -0.1117185652256012, -0.49659010767936707, 0.16307370364665985);
			assertThat((double) first.sum().getFloat()).isCloseTo(-6.569936752319336, within(1e-2));
			assertValues(second.toFloatArray(), -0.8784563541412354, -0.2883181869983673, -0.22015348076820374);
			assertThat((double) second.sum().getFloat()).isCloseTo(49.36832046508789, within(1e-2));
			assertThatIllegalStateException().isThrownBy(() -> noise.next(this.manager, shape))
				.withMessageContaining("All 2 noise draws");
		}
	}

	@Test
	void negativeSeedsWrapAsTorchManualSeedDoes() {
		// torch.randn(3, generator=torch.Generator("cpu").manual_seed(-5))
		// -> [-1.8266246318817139, 0.6379720568656921, -1.7862693071365356]
		assertValues(TorchNoise.randn(this.manager, -5, new Shape(3), 1).get(0).toFloatArray(), -1.8266246318817139,
				0.6379720568656921, -1.7862693071365356);
	}

	@Test
	void eachImageOfABatchHasItsOwnSeedsStream() {
		Shape image = new Shape(1, 4, 8, 8);
		try (TorchNoise batch = TorchNoise.perImage(new long[] { 41, 42 }, 2);
				TorchNoise alone = TorchNoise.perImage(new long[] { 42 }, 2)) {
			NDArray latents = batch.next(this.manager, new Shape(2, 4, 8, 8));
			NDArray step = batch.next(this.manager, new Shape(2, 4, 8, 8));
			float[] second = Arrays.copyOfRange(latents.toFloatArray(), 256, 512);
			assertThat(second).containsExactly(alone.next(this.manager, image).toFloatArray());
			assertThat(Arrays.copyOfRange(step.toFloatArray(), 256, 512))
				.containsExactly(alone.next(this.manager, image).toFloatArray());
			assertThat(latents.toFloatArray()[0]).isNotEqualTo(second[0]);
		}
	}

	@Test
	void concurrentRendersEachGetTheirOwnSeedsNoise() throws InterruptedException {
		// PyTorch's generator is process-wide: without the lock another thread could seed or draw between a seed and
		// its draws
		float[] zero = TorchNoise.randn(this.manager, 0, new Shape(1, 4, 16, 16), 2).get(1).toFloatArray();
		float[] other = TorchNoise.randn(this.manager, 42, new Shape(1, 4, 16, 16), 2).get(1).toFloatArray();
		List<Throwable> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
		List<Thread> threads = new java.util.ArrayList<>();
		for (int t = 0; t < 4; t++) {
			long seed = (t % 2 == 0) ? 0 : 42;
			float[] expected = (t % 2 == 0) ? zero : other;
			threads.add(Thread.ofPlatform().start(() -> {
				try (NDManager own = NDManager.newBaseManager(TorchScriptModules.ENGINE)) {
					for (int i = 0; i < 25; i++) {
						try (TorchNoise noise = TorchNoise.perImage(new long[] { seed }, 2)) {
							noise.next(own, new Shape(1, 4, 16, 16));
							assertThat(noise.next(own, new Shape(1, 4, 16, 16)).toFloatArray()).containsExactly(expected);
						}
					}
				}
				catch (Throwable ex) {
					failures.add(ex);
				}
			}));
		}
		for (Thread thread : threads) {
			thread.join();
		}
		assertThat(failures).isEmpty();
		assertThat(zero).isNotEqualTo(other);
	}

	@Test
	void matchesThePyTorchOnThisMachine() throws IOException, InterruptedException {
		assumeThat(Files.isExecutable(PYTHON)).as("/usr/bin/python3").isTrue();
		// diffusers with one generator per image: randn_tensor draws (1, ...) from each and concatenates
		String script = "import torch\n"
				+ "gs = [torch.Generator('cpu').manual_seed(s) for s in (31337, 31338)]\n"
				+ "a = torch.cat([torch.randn((1, 4, 16, 8), generator=g) for g in gs])\n"
				+ "b = torch.cat([torch.randn((1, 4, 16, 8), generator=g) for g in gs])\n"
				+ "print(' '.join(repr(v) for v in torch.cat([a.flatten(), b.flatten()]).tolist()))\n";
		Process process = new ProcessBuilder(PYTHON.toString(), "-c", script).redirectErrorStream(false).start();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		assumeThat(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0)
			.as("python3 with torch available").isTrue();
		double[] expected = Arrays.stream(out.split(" ")).mapToDouble(Double::parseDouble).toArray();
		Shape shape = new Shape(2, 4, 16, 8);
		try (TorchNoise noise = TorchNoise.perImage(new long[] { 31337, 31338 }, 2)) {
			float[] first = noise.next(this.manager, shape).toFloatArray();
			float[] second = noise.next(this.manager, shape).toFloatArray();
			assertThat(expected).hasSize(first.length + second.length);
			for (int i = 0; i < first.length; i++) {
				assertThat((double) first[i]).as("latents %d", i).isCloseTo(expected[i], within(1e-5));
				assertThat((double) second[i]).as("second draw %d", i)
					.isCloseTo(expected[first.length + i], within(1e-5));
			}
		}
	}

}
