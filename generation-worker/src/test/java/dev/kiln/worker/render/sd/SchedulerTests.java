package dev.kiln.worker.render.sd;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Scheduler maths against values computed here independently (double precision, written out from diffusers'
 * formulas), never by calling the code under test for the expectation.
 */
class SchedulerTests {

	private static final float[] SAMPLE = { 0.5f, -1.25f, 2.0f, 0.0f };

	private static final float[] MODEL_OUTPUT = { 0.1f, 0.7f, -0.3f, 1.5f };

	private static NDManager manager;

	@BeforeAll
	static void startEngine() {
		manager = NDManager.newBaseManager(TorchScriptModules.ENGINE);
	}

	@AfterAll
	static void stopEngine() {
		manager.close();
	}

	/** ᾱ by a product of (1 − β) written out again, as diffusers defines it for "scaled_linear". */
	private static double alphaBar(int t) {
		double product = 1.0;
		for (int i = 0; i <= t; i++) {
			double root = Math.sqrt(0.00085) + i * (Math.sqrt(0.012) - Math.sqrt(0.00085)) / 999.0;
			product *= 1.0 - root * root;
		}
		return product;
	}

	private static int[] leading50() {
		// diffusers "leading" spacing for 50 steps: 1000 // 50 = 20, arange(50) * 20 reversed, + steps_offset 1
		return IntStream.iterate(981, (t) -> t >= 1, (t) -> t - 20).toArray();
	}

	private static double[] doubles(int... values) {
		return IntStream.of(values).asDoubleStream().toArray();
	}

	private static EulerScheduler eulerAncestral(NoiseSource noise) {
		return new EulerScheduler(NoiseSchedule.STABLE_DIFFUSION, 50, PredictionType.EPSILON, false, true, noise);
	}

	@Test
	void alphasCumprodMatchesSchedule() {
		assertThat(NoiseSchedule.STABLE_DIFFUSION.alphaCumprod(0)).isCloseTo(1 - 0.00085, within(1e-15));
		// exp(Σ log(1 − β)) rather than the running product the code uses
		double logSum = 0;
		for (int i = 0; i < 1000; i++) {
			double beta = Math.pow(Math.sqrt(0.00085) + i * (Math.sqrt(0.012) - Math.sqrt(0.00085)) / 999.0, 2);
			logSum += Math.log1p(-beta);
		}
		assertThat(NoiseSchedule.STABLE_DIFFUSION.alphaCumprod(999)).isCloseTo(Math.exp(logSum), within(1e-12))
			.isCloseTo(0.00466, within(1e-5));
		assertThat(NoiseSchedule.STABLE_DIFFUSION.alphaCumprodOrFinal(-1)).isEqualTo(NoiseSchedule.STABLE_DIFFUSION.alphaCumprod(0));
	}

	@Test
	void ddimTimestepsForFiftyStepsAreLeadingWithOffsetOne() {
		double[] timesteps = new DdimScheduler(50, PredictionType.EPSILON).timesteps();
		assertThat(timesteps).hasSize(50)
			.startsWith(981, 961, 941)
			.endsWith(41, 21, 1)
			.containsExactly(doubles(leading50()));
	}

	@Test
	void eulerAncestralTimestepsForFiftyStepsAreLeadingWithOffsetOne() {
		EulerScheduler scheduler = eulerAncestral((m, shape) -> m.zeros(shape));
		assertThat(scheduler.timesteps()).containsExactly(doubles(leading50()));
		double sigmaMax = Math.sqrt((1 - alphaBar(981)) / alphaBar(981));
		assertThat(scheduler.sigmas()).hasSize(51);
		assertThat(scheduler.sigmas()[0]).isCloseTo(sigmaMax, within(1e-9)).isCloseTo(13.1204, within(1e-3));
		assertThat(scheduler.sigmas()[50]).isZero();
		assertThat(scheduler.initNoiseSigma()).isCloseTo(Math.sqrt(sigmaMax * sigmaMax + 1), within(1e-9));
	}

	@Test
	void pndmTimestepsForFiftyStepsRepeatTheSecond() {
		int[] leading = leading50();
		List<Integer> expected = new ArrayList<>();
		// diffusers: concatenate([t[:-1], t[-2:-1], t[-1:]])[::-1] over ascending t = 1, 21, …, 981
		int[] ascending = IntStream.rangeClosed(1, 50).map((i) -> leading[50 - i]).toArray();
		for (int i = 0; i < 49; i++) {
			expected.add(ascending[i]);
		}
		expected.add(ascending[48]);
		expected.add(ascending[49]);
		List<Integer> reversed = new ArrayList<>(expected).reversed();
		double[] timesteps = new PndmScheduler(50, PredictionType.EPSILON, manager).timesteps();
		assertThat(timesteps).hasSize(51).startsWith(981, 961, 961, 941).endsWith(21, 1);
		assertThat(timesteps).containsExactly(doubles(reversed.stream().mapToInt(Integer::intValue).toArray()));
	}

	@Test
	void trailingAndLinspaceSpacingAsDiffusersComputesThem() {
		// diffusers' DDIMScheduler.set_timesteps written out in numpy (/usr/bin/python3, numpy 1.24):
		// trailing: np.round(np.arange(1000, 0, -1000 / n)).astype(np.int64) - 1
		// linspace: np.linspace(0, 999, n).round()[::-1]
		NoiseSchedule trailing = NoiseSchedule.STABLE_DIFFUSION.withSpacing(NoiseSchedule.Spacing.TRAILING, 1);
		NoiseSchedule linspace = NoiseSchedule.STABLE_DIFFUSION.withSpacing(NoiseSchedule.Spacing.LINSPACE, 0);
		assertThat(new DdimScheduler(trailing, 1, PredictionType.EPSILON, false).timesteps()).containsExactly(999);
		assertThat(new DdimScheduler(trailing, 4, PredictionType.EPSILON, false).timesteps()).containsExactly(999, 749,
				499, 249);
		assertThat(new DdimScheduler(trailing, 7, PredictionType.EPSILON, false).timesteps()).containsExactly(999, 856,
				713, 570, 428, 285, 142);
		assertThat(new DdimScheduler(trailing, 16, PredictionType.EPSILON, false).timesteps()).hasSize(16)
			.startsWith(999, 937, 874, 811, 749, 687, 624, 561);
		assertThat(new DdimScheduler(linspace, 4, PredictionType.EPSILON, false).timesteps()).containsExactly(999, 666,
				333, 0);
		assertThat(new DdimScheduler(linspace, 7, PredictionType.EPSILON, false).timesteps()).containsExactly(999, 832,
				666, 500, 333, 166, 0);
		// EulerDiscreteScheduler keeps linspace's fractions: np.linspace(0, 999, 7)[::-1]
		NoiseSource none = (m, shape) -> m.zeros(shape);
		assertThat(new EulerScheduler(linspace, 7, PredictionType.EPSILON, false, false, none).timesteps())
			.containsExactly(999, 832.5, 666, 499.5, 333, 166.5, 0);
	}

	@Test
	void oneStepTrailingEulerAncestralStartsFromPureNoiseAsSdTurbo() {
		// SD-Turbo's configuration: "trailing", so one step samples at t = 999, and diffusers' init_noise_sigma for
		// "trailing"/"linspace" is σ_max itself, not √(σ_max² + 1)
		NoiseSchedule trailing = NoiseSchedule.STABLE_DIFFUSION.withSpacing(NoiseSchedule.Spacing.TRAILING, 1);
		EulerScheduler scheduler = new EulerScheduler(trailing, 1, PredictionType.EPSILON, false, true,
				(m, shape) -> m.zeros(shape));
		double sigmaMax = Math.sqrt((1 - alphaBar(999)) / alphaBar(999));
		assertThat(scheduler.timesteps()).containsExactly(999);
		assertThat(scheduler.initNoiseSigma()).isCloseTo(sigmaMax, within(1e-9)).isCloseTo(14.6146, within(1e-3));
		assertThat(scheduler.sigmas()).containsExactly(scheduler.sigmas()[0], 0.0);
	}

	@Test
	void fewStepsUseIntegerStepRatio() {
		assertThat(new DdimScheduler(3, PredictionType.EPSILON).timesteps()).containsExactly(667, 334, 1);
		assertThat(new PndmScheduler(3, PredictionType.EPSILON, manager).timesteps()).containsExactly(667, 334, 334,
				1);
		assertThat(new PndmScheduler(1, PredictionType.EPSILON, manager).timesteps()).containsExactly(1);
	}

	@Test
	void ddimStepMatchesHandComputation() {
		double a = alphaBar(981);
		double aPrev = alphaBar(961);
		float[] actual = step(new DdimScheduler(50, PredictionType.EPSILON), 0);
		for (int i = 0; i < SAMPLE.length; i++) {
			double x0 = (SAMPLE[i] - Math.sqrt(1 - a) * MODEL_OUTPUT[i]) / Math.sqrt(a);
			double expected = Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * MODEL_OUTPUT[i];
			assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected, within(1e-4 * (1 + Math.abs(expected))));
		}
	}

	@Test
	void ddimLastStepLandsOnAlphaAtTimestepZero() {
		double a = alphaBar(1);
		double aFinal = 1 - 0.00085;
		float[] actual = step(new DdimScheduler(50, PredictionType.EPSILON), 49);
		for (int i = 0; i < SAMPLE.length; i++) {
			double x0 = (SAMPLE[i] - Math.sqrt(1 - a) * MODEL_OUTPUT[i]) / Math.sqrt(a);
			double expected = Math.sqrt(aFinal) * x0 + Math.sqrt(1 - aFinal) * MODEL_OUTPUT[i];
			assertThat((double) actual[i]).isCloseTo(expected, within(1e-5));
		}
	}

	@Test
	void ddimClipSampleClampsThePredictedCleanSampleOnly() {
		// diffusers' DDIMScheduler.step: pred_original_sample.clamp(-1, 1) when clip_sample; ε stays the model's
		double a = alphaBar(981);
		double aPrev = alphaBar(961);
		float[] actual = step(new DdimScheduler(NoiseSchedule.STABLE_DIFFUSION, 50, PredictionType.EPSILON, true), 0);
		boolean clipped = false;
		for (int i = 0; i < SAMPLE.length; i++) {
			double x0 = (SAMPLE[i] - Math.sqrt(1 - a) * MODEL_OUTPUT[i]) / Math.sqrt(a);
			clipped |= Math.abs(x0) > 1;
			double expected = Math.sqrt(aPrev) * Math.clamp(x0, -1, 1) + Math.sqrt(1 - aPrev) * MODEL_OUTPUT[i];
			assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected, within(1e-4));
		}
		assertThat(clipped).as("the fixture leaves [-1, 1]").isTrue();
	}

	@Test
	void ddimStepWithVelocityPrediction() {
		double a = alphaBar(981);
		double aPrev = alphaBar(961);
		float[] actual = step(new DdimScheduler(50, PredictionType.V_PREDICTION), 0);
		for (int i = 0; i < SAMPLE.length; i++) {
			double x0 = Math.sqrt(a) * SAMPLE[i] - Math.sqrt(1 - a) * MODEL_OUTPUT[i];
			double eps = Math.sqrt(a) * MODEL_OUTPUT[i] + Math.sqrt(1 - a) * SAMPLE[i];
			double expected = Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * eps;
			assertThat((double) actual[i]).isCloseTo(expected, within(1e-5));
		}
	}

	@Test
	void eulerAncestralStepMatchesHandComputationWithFixedNoise() {
		float[] noise = { 0.3f, -0.2f, 1.1f, -0.9f };
		EulerScheduler scheduler = eulerAncestral((m, shape) -> m.create(noise, shape));
		double sigma = Math.sqrt((1 - alphaBar(981)) / alphaBar(981));
		double next = Math.sqrt((1 - alphaBar(961)) / alphaBar(961));
		double sigmaUp = Math.sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma));
		double sigmaDown = Math.sqrt(next * next - sigmaUp * sigmaUp);
		float[] actual = step(scheduler, 0);
		for (int i = 0; i < SAMPLE.length; i++) {
			double x0 = SAMPLE[i] - sigma * MODEL_OUTPUT[i];
			double derivative = (SAMPLE[i] - x0) / sigma;
			double expected = SAMPLE[i] + derivative * (sigmaDown - sigma) + noise[i] * sigmaUp;
			assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected, within(1e-4));
		}
		try (NDManager m = manager.newSubManager()) {
			float[] scaled = scheduler.scaleModelInput(m.create(SAMPLE, new Shape(1, 4)), 0).toFloatArray();
			assertThat((double) scaled[2]).isCloseTo(2.0 / Math.sqrt(sigma * sigma + 1), within(1e-6));
		}
	}

	@Test
	void eulerAncestralLastStepDrawsButAddsNoNoiseAndReturnsPrediction() {
		List<Shape> draws = new ArrayList<>();
		EulerScheduler scheduler = eulerAncestral((m, shape) -> {
			draws.add(shape);
			return m.full(shape, 100f);
		});
		double sigma = Math.sqrt((1 - alphaBar(1)) / alphaBar(1));
		float[] actual = step(scheduler, 49);
		for (int i = 0; i < SAMPLE.length; i++) {
			assertThat((double) actual[i]).isCloseTo(SAMPLE[i] - sigma * MODEL_OUTPUT[i], within(1e-5));
		}
		// diffusers draws at every step, so a generator shared with other draws advances the same way
		assertThat(draws).containsExactly(new Shape(1, 4));
	}

	@Test
	void pndmFirstStepsFollowDiffusersPlms() {
		float[] e0 = MODEL_OUTPUT;
		float[] e1 = { -0.4f, 0.2f, 0.9f, 0.05f };
		float[] e2 = { 0.6f, -0.1f, 0.3f, -0.7f };
		PndmScheduler scheduler = new PndmScheduler(50, PredictionType.EPSILON, manager);
		try (NDManager m = manager.newSubManager()) {
			Shape shape = new Shape(1, 4);
			NDArray x0 = m.create(SAMPLE, shape);
			NDArray x1 = scheduler.step(m.create(e0, shape), 0, x0);
			NDArray x2 = scheduler.step(m.create(e1, shape), 1, x1);
			NDArray x3 = scheduler.step(m.create(e2, shape), 2, x2);
			float[] first = x1.toFloatArray();
			float[] second = x2.toFloatArray();
			float[] third = x3.toFloatArray();
			for (int i = 0; i < 4; i++) {
				// 981 → 961 with ε₀ from x₀
				double x1e = transfer(SAMPLE[i], 981, 961, e0[i]);
				// again from x₀, 981 → 961, with the mean of ε₀ and ε₁
				double x2e = transfer(SAMPLE[i], 981, 961, (e0[i] + e1[i]) / 2.0);
				// 961 → 941 from the corrected sample with (3ε₂ − ε₀)/2 (ε₁ is not kept)
				double x3e = transfer(x2e, 961, 941, (3.0 * e2[i] - e0[i]) / 2.0);
				assertThat((double) first[i]).as("x1[%d]", i).isCloseTo(x1e, within(1e-4));
				assertThat((double) second[i]).as("x2[%d]", i).isCloseTo(x2e, within(1e-4));
				assertThat((double) third[i]).as("x3[%d]", i).isCloseTo(x3e, within(1e-4));
			}
			assertThat(scheduler.keptPredictions()).isEqualTo(2);
			NDArray x = x3;
			for (int index = 3; index < 8; index++) {
				x = scheduler.step(m.create(e2, shape), index, x);
			}
			assertThat(scheduler.keptPredictions()).isEqualTo(4);
		}
	}

	@Test
	void pndmKeepsTheFirstPredictionThenEachAfterTheSecondUpToFour() {
		PndmScheduler scheduler = new PndmScheduler(10, PredictionType.EPSILON, manager);
		assertThat(IntStream.rangeClosed(0, 7).map(scheduler::stateArrays).toArray())
			.containsExactly(0, 1, 1, 2, 3, 4, 4, 4);
		assertThat(new DdimScheduler(10, PredictionType.EPSILON).stateArrays(5)).isZero();
		try (NDManager m = manager.newSubManager()) {
			Shape shape = new Shape(1, 4);
			NDArray x = m.create(SAMPLE, shape);
			for (int index = 0; index < 5; index++) {
				x = scheduler.step(m.create(MODEL_OUTPUT, shape).mul(index + 1), index, x);
				assertThat(scheduler.state()).hasSize(scheduler.stateArrays(index + 1));
			}
			assertThatIllegalArgumentException()
				.isThrownBy(() -> scheduler.restore(4, List.of(), shape))
				.withMessageContaining("keeps 3 arrays but 0 were given");
		}
	}

	@Test
	void pndmRungeKuttaTimestepsFollowDiffusersAlsoForAnOddStepRatio() {
		// diffusers' PNDMScheduler.set_timesteps with skip_prk_steps=False, steps_offset 1, 9 steps (T // 9 = 111,
		// half 55), run once with numpy (python3 -c, the prk/plms lines of set_timesteps written out):
		// [889, 833, 833, 778, 778, 722, 722, 667, 667, 611, 611, 556, 556, 445, 334, 223, 112, 1]
		PndmScheduler scheduler = new PndmScheduler(NoiseSchedule.STABLE_DIFFUSION, 9, PredictionType.EPSILON, false,
				manager);
		assertThat(scheduler.timesteps()).containsExactly(889, 833, 833, 778, 778, 722, 722, 667, 667, 611, 611, 556,
				556, 445, 334, 223, 112, 1);
		// step_prk moves the first stage to the evaluated timestep − half: 889 − 55 = 834, not the next timestep 833
		float[] first = step(scheduler, 0);
		for (int i = 0; i < SAMPLE.length; i++) {
			assertThat((double) first[i]).isCloseTo(transfer(SAMPLE[i], 889, 834, MODEL_OUTPUT[i]), within(1e-5));
		}
	}

	@Test
	void pndmRungeKuttaStepIsClassicalFourthOrderFromTheStartSample() {
		float[] e1 = { -0.4f, 0.2f, 0.9f, 0.05f };
		float[] e2 = { 0.6f, -0.1f, 0.3f, -0.7f };
		float[] e3 = { 0.2f, 0.4f, -0.5f, 0.1f };
		float[][] predictions = { MODEL_OUTPUT, e1, e2, e3 };
		// 50 steps: δ = 20, half 10; the first Runge–Kutta step evaluates at 981, 971, 971, 961
		PndmScheduler scheduler = new PndmScheduler(NoiseSchedule.STABLE_DIFFUSION, 50, PredictionType.EPSILON, false,
				manager);
		assertThat(scheduler.timesteps()).startsWith(981, 971, 971, 961, 961, 951);
		try (NDManager m = manager.newSubManager()) {
			Shape shape = new Shape(1, 4);
			NDArray x = m.create(SAMPLE, shape);
			float[][] stages = new float[4][];
			for (int stage = 0; stage < 4; stage++) {
				x = scheduler.step(m.create(predictions[stage], shape), stage, x);
				stages[stage] = x.toFloatArray();
			}
			for (int i = 0; i < 4; i++) {
				// every stage moves x₀ from 981: to 981 − half (even stages' evaluated timestep − 10), to 971, ...
				assertThat((double) stages[0][i]).isCloseTo(transfer(SAMPLE[i], 981, 971, MODEL_OUTPUT[i]),
						within(1e-4));
				assertThat((double) stages[1][i]).isCloseTo(transfer(SAMPLE[i], 981, 971, e1[i]), within(1e-4));
				assertThat((double) stages[2][i]).isCloseTo(transfer(SAMPLE[i], 981, 961, e2[i]), within(1e-4));
				// ... and the last with (ε₀ + 2ε₁ + 2ε₂ + ε₃)/6 to 961
				double weighted = (MODEL_OUTPUT[i] + 2.0 * e1[i] + 2.0 * e2[i] + e3[i]) / 6.0;
				assertThat((double) stages[3][i]).isCloseTo(transfer(SAMPLE[i], 981, 961, weighted), within(1e-4));
			}
			// only each Runge–Kutta step's first prediction is kept for PLMS
			assertThat(scheduler.keptPredictions()).isEqualTo(1);
		}
	}

	@Test
	void pndmRungeKuttaNeedsFourSteps() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PndmScheduler(NoiseSchedule.STABLE_DIFFUSION, 3, PredictionType.EPSILON, false,
					manager))
			.withMessageContaining("needs at least 4 steps, not 3");
		// diffusers' set_timesteps for 4 steps, steps_offset 1, run with numpy as above: three Runge–Kutta steps and
		// one PLMS step, [751, 626, 626, 501, 501, 376, 376, 251, 251, 126, 126, 1, 1]
		assertThat(new PndmScheduler(NoiseSchedule.STABLE_DIFFUSION, 4, PredictionType.EPSILON, false, manager)
			.timesteps()).containsExactly(751, 626, 626, 501, 501, 376, 376, 251, 251, 126, 126, 1, 1);
	}

	@Test
	void pndmRungeKuttaResumedAtAnyEvaluationRendersAsUninterrupted() {
		int steps = 6;
		Shape shape = new Shape(1, 4);
		try (NDManager m = manager.newSubManager()) {
			PndmScheduler whole = new PndmScheduler(NoiseSchedule.STABLE_DIFFUSION, steps, PredictionType.EPSILON,
					false, m);
			int evaluations = whole.timesteps().length;
			assertThat(evaluations).isEqualTo(steps + 9);
			// Runge–Kutta: the first prediction of each started step, plus start sample and partial sum inside one
			assertThat(IntStream.rangeClosed(0, evaluations).map(whole::stateArrays).toArray())
				.containsExactly(0, 3, 3, 3, 1, 4, 4, 4, 2, 5, 5, 5, 3, 4, 4, 4);
			List<NDArray> samples = new ArrayList<>();
			List<List<NDArray>> states = new ArrayList<>();
			NDArray x = m.create(SAMPLE, shape);
			samples.add(x);
			states.add(List.of());
			for (int i = 0; i < evaluations; i++) {
				x = whole.step(prediction(m, x, i), i, x);
				samples.add(x);
				assertThat(whole.state()).hasSize(whole.stateArrays(i + 1));
				states.add(whole.state().stream().map(NDArray::duplicate).toList());
			}
			float[] expected = x.toFloatArray();
			for (int stop = 1; stop < evaluations; stop++) {
				PndmScheduler resumed = new PndmScheduler(NoiseSchedule.STABLE_DIFFUSION, steps,
						PredictionType.EPSILON, false, m);
				resumed.restore(stop, states.get(stop), shape);
				NDArray y = samples.get(stop);
				for (int i = stop; i < evaluations; i++) {
					y = resumed.step(prediction(m, y, i), i, y);
				}
				float[] actual = y.toFloatArray();
				for (int k = 0; k < 4; k++) {
					assertThat(actual[k]).as("resumed after %d, [%d]", stop, k).isCloseTo(expected[k], within(1e-6f));
				}
			}
		}
	}

	/** A made-up UNet: depends on the sample and the evaluation, so a wrong resumed state shows. */
	private static NDArray prediction(NDManager m, NDArray sample, int index) {
		return sample.mul(0.3f).add(m.create(MODEL_OUTPUT, sample.getShape()).mul(index % 3 - 1));
	}

	/** PNDM's transfer x_prev = √(ā_p/ā)·x − (ā_p − ā)·ε / (ā·√(1−ā_p) + √(ā(1−ā)ā_p)). */
	private static double transfer(double x, int t, int prev, double eps) {
		double a = alphaBar(t);
		double ap = alphaBar(prev);
		double denominator = a * Math.sqrt(1 - ap) + Math.sqrt(a * (1 - a) * ap);
		return Math.sqrt(ap / a) * x - (ap - a) * eps / denominator;
	}

	@Test
	void schedulerNamesAreCaseInsensitiveAndUnknownOnesListTheChoices() {
		assertThat(SchedulerType.of(" Euler-Ancestral ")).isEqualTo(SchedulerType.EULER_ANCESTRAL);
		assertThat(SchedulerType.of("PNDM")).isEqualTo(SchedulerType.PNDM);
		assertThatIllegalArgumentException().isThrownBy(() -> SchedulerType.of("dpm++"))
			.withMessage("Unknown scheduler 'dpm++'; expected one of 'pndm', 'ddim', 'euler-ancestral', 'euler',"
					+ " 'dpm++2m', 'dpm++2m-karras', 'lcm'");
	}

	@Test
	void stepsOutsideTheTrainingRangeAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new DdimScheduler(0, PredictionType.EPSILON))
			.withMessageContaining("steps must be between 1 and 1000");
		assertThatIllegalArgumentException().isThrownBy(() -> new DdimScheduler(1001, PredictionType.EPSILON));
	}

	private static float[] step(Scheduler scheduler, int index) {
		try (NDManager m = manager.newSubManager()) {
			Shape shape = new Shape(1, 4);
			return scheduler.step(m.create(MODEL_OUTPUT, shape), index, m.create(SAMPLE, shape)).toFloatArray();
		}
	}

}
