package dev.kiln.worker.render.sd;


import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * diffusers' own scheduler tests, ported: each runs Kiln's scheduler through the full loop of the diffusers test on
 * its {@code dummy_sample_deter} with its {@code dummy_model}, in the test's scheduler configuration, on DJL NDArrays
 * (PyTorch engine, CPU), and checks the sum and mean of |result| against the values the diffusers test asserts, with
 * its tolerances (1e-2 for the sum, 1e-3 for the mean). Where the diffusers test draws noise from
 * {@code torch.manual_seed(0)}, Kiln's {@link TorchNoise} draws it from PyTorch's generator seeded the same way.
 * <p>
 * Source: github.com/huggingface/diffusers at commit {@value #DIFFUSERS}, {@code tests/schedulers/}: the fixtures in
 * {@code test_schedulers.py} ({@code SchedulerCommonTest.dummy_sample_deter}, {@code dummy_model}), the loops and
 * values in the file and test named beside each expectation. diffusers' PNDM {@code full_loop} runs the Runge–Kutta
 * (PRK) warm-up ({@code skip_prk_steps = false}, its default) and then PLMS; Kiln's {@link PndmScheduler} runs it
 * with that option (models run it as Stable Diffusion configures it, {@code skip_prk_steps = true}, for which no
 * diffusers test has full-loop values).
 */
class DiffusersSchedulerTests {

	/** The diffusers commit the expected values were read from. */
	static final String DIFFUSERS = "58eb52c0803ea9af3abec60841c2a093bdf1f951";

	private static final Shape SHAPE = new Shape(4, 3, 8, 8);

	private NDManager manager;

	@BeforeEach
	void startEngine() {
		this.manager = NDManager.newBaseManager(TorchScriptModules.ENGINE);
	}

	@AfterEach
	void stopEngine() {
		this.manager.close();
	}

	/**
	 * {@code dummy_sample_deter}: {@code arange(768).reshape(3, 8, 8, 4) / 768}, permuted to {@code (4, 3, 8, 8)}.
	 */
	private NDArray dummySampleDeter() {
		float[] values = new float[768];
		for (int b = 0; b < 4; b++) {
			for (int c = 0; c < 3; c++) {
				for (int h = 0; h < 8; h++) {
					for (int w = 0; w < 8; w++) {
						int original = ((c * 8 + h) * 8 + w) * 4 + b;
						values[((b * 3 + c) * 8 + h) * 8 + w] = original / 768f;
					}
				}
			}
		}
		return this.manager.create(values, SHAPE);
	}

	/** {@code dummy_model}: {@code sample * t / (t + 1)}, with t in the sample's float32. */
	private static NDArray dummyModel(NDArray sample, double timestep) {
		float t = (float) timestep;
		return sample.mul(t).div(t + 1f);
	}

	/** The DDIM, PNDM, DPM-Solver and LCM tests' loop: the model sees the sample as it is. */
	private NDArray plainLoop(Scheduler scheduler) {
		NDArray sample = dummySampleDeter().mul((float) scheduler.initNoiseSigma());
		double[] timesteps = scheduler.timesteps();
		for (int i = 0; i < timesteps.length; i++) {
			NDArray residual = dummyModel(sample, timesteps[i]);
			sample = scheduler.step(residual, i, sample);
		}
		return sample;
	}

	/**
	 * The Euler tests' loop, as written there: {@code sample = scale_model_input(sample, t)} and that scaled sample
	 * is what {@code step} is handed.
	 */
	private NDArray eulerLoop(Scheduler scheduler) {
		NDArray sample = dummySampleDeter().mul((float) scheduler.initNoiseSigma());
		double[] timesteps = scheduler.timesteps();
		for (int i = 0; i < timesteps.length; i++) {
			sample = scheduler.scaleModelInput(sample, i);
			NDArray output = dummyModel(sample, timesteps[i]);
			sample = scheduler.step(output, i, sample);
		}
		return sample;
	}

	private static void assertSumAndMean(NDArray result, double sum, double mean) {
		NDArray abs = result.abs();
		assertThat((double) abs.sum().getFloat()).as("sum of |sample|").isCloseTo(sum, within(1e-2));
		assertThat((double) abs.mean().getFloat()).as("mean of |sample|").isCloseTo(mean, within(1e-3));
	}

	private static void assertMean(NDArray result, double mean) {
		assertThat((double) result.abs().mean().getFloat()).as("mean of |sample|").isCloseTo(mean, within(1e-3));
	}

	// test_scheduler_ddim.py: get_scheduler_config: 1000 steps, "linear" 0.0001 to 0.02, clip_sample=True; the
	// scheduler's defaults: "leading", steps_offset 0, set_alpha_to_one True; full_loop: 10 steps, eta 0
	private static NoiseSchedule ddimSchedule(double betaStart, boolean alphaToOne) {
		return new NoiseSchedule(1000, betaStart, 0.02, NoiseSchedule.Betas.LINEAR, NoiseSchedule.Spacing.LEADING, 0,
				alphaToOne);
	}

	@Test
	void ddimFullLoopNoNoise() {
		// test_scheduler_ddim.py, DDIMSchedulerTest.test_full_loop_no_noise: 172.0067, 0.223967
		assertSumAndMean(plainLoop(new DdimScheduler(ddimSchedule(0.0001, true), 10, PredictionType.EPSILON, true)),
				172.0067, 0.223967);
	}

	@Test
	void ddimFullLoopWithVPrediction() {
		// test_scheduler_ddim.py, DDIMSchedulerTest.test_full_loop_with_v_prediction: 52.5302, 0.0684
		assertSumAndMean(
				plainLoop(new DdimScheduler(ddimSchedule(0.0001, true), 10, PredictionType.V_PREDICTION, true)),
				52.5302, 0.0684);
	}

	@Test
	void ddimFullLoopWithSetAlphaToOne() {
		// test_scheduler_ddim.py, DDIMSchedulerTest.test_full_loop_with_set_alpha_to_one (beta_start 0.01):
		// 149.8295, 0.1951
		assertSumAndMean(plainLoop(new DdimScheduler(ddimSchedule(0.01, true), 10, PredictionType.EPSILON, true)),
				149.8295, 0.1951);
	}

	@Test
	void ddimFullLoopWithNoSetAlphaToOne() {
		// test_scheduler_ddim.py, DDIMSchedulerTest.test_full_loop_with_no_set_alpha_to_one (beta_start 0.01):
		// 149.0784, 0.1941
		assertSumAndMean(plainLoop(new DdimScheduler(ddimSchedule(0.01, false), 10, PredictionType.EPSILON, true)),
				149.0784, 0.1941);
	}

	@Test
	void ddimStepsOffsetTimesteps() {
		// test_scheduler_ddim.py, DDIMSchedulerTest.test_steps_offset: steps_offset=1, 5 steps -> [801, 601, 401,
		// 201, 1]
		NoiseSchedule schedule = ddimSchedule(0.0001, true).withSpacing(NoiseSchedule.Spacing.LEADING, 1);
		assertThat(new DdimScheduler(schedule, 5, PredictionType.EPSILON, true).timesteps()).containsExactly(801, 601,
				401, 201, 1);
	}

	// test_scheduler_pndm.py: get_scheduler_config: 1000 steps, "linear" 0.0001 to 0.02 (beta_start 0.01 where the
	// test says so); the scheduler's defaults: "leading", steps_offset 0, set_alpha_to_one False, skip_prk_steps
	// False; full_loop: 10 steps, the prk_timesteps through step_prk, then the plms_timesteps through step_plms (what
	// PndmScheduler.step does in that order)
	private static NoiseSchedule pndmSchedule(double betaStart, boolean alphaToOne) {
		return new NoiseSchedule(1000, betaStart, 0.02, NoiseSchedule.Betas.LINEAR, NoiseSchedule.Spacing.LEADING, 0,
				alphaToOne);
	}

	private NDArray pndm(NoiseSchedule schedule, PredictionType prediction) {
		PndmScheduler scheduler = new PndmScheduler(schedule, 10, prediction, false, this.manager);
		// 12 Runge–Kutta evaluations (3 steps × 4), then PLMS for the remaining 7 steps
		assertThat(scheduler.timesteps()).hasSize(19);
		return plainLoop(scheduler);
	}

	@Test
	void pndmFullLoopNoNoise() {
		// test_scheduler_pndm.py, PNDMSchedulerTest.test_full_loop_no_noise: 198.1318, 0.2580
		assertSumAndMean(pndm(pndmSchedule(0.0001, false), PredictionType.EPSILON), 198.1318, 0.2580);
	}

	@Test
	void pndmFullLoopWithVPrediction() {
		// test_scheduler_pndm.py, PNDMSchedulerTest.test_full_loop_with_v_prediction: 67.3986, 0.0878
		assertSumAndMean(pndm(pndmSchedule(0.0001, false), PredictionType.V_PREDICTION), 67.3986, 0.0878);
	}

	@Test
	void pndmFullLoopWithSetAlphaToOne() {
		// test_scheduler_pndm.py, PNDMSchedulerTest.test_full_loop_with_set_alpha_to_one (beta_start 0.01):
		// 230.0399, 0.2995
		assertSumAndMean(pndm(pndmSchedule(0.01, true), PredictionType.EPSILON), 230.0399, 0.2995);
	}

	@Test
	void pndmFullLoopWithNoSetAlphaToOne() {
		// test_scheduler_pndm.py, PNDMSchedulerTest.test_full_loop_with_no_set_alpha_to_one (beta_start 0.01):
		// 186.9482, 0.2434
		assertSumAndMean(pndm(pndmSchedule(0.01, false), PredictionType.EPSILON), 186.9482, 0.2434);
	}

	@Test
	void pndmStepsOffsetTimesteps() {
		// test_scheduler_pndm.py, PNDMSchedulerTest.test_steps_offset: steps_offset=1, 10 steps -> [901, 851, 851,
		// 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1]
		NoiseSchedule schedule = pndmSchedule(0.0001, false).withSpacing(NoiseSchedule.Spacing.LEADING, 1);
		assertThat(new PndmScheduler(schedule, 10, PredictionType.EPSILON, false, this.manager).timesteps())
			.containsExactly(901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101,
					1);
	}

	@Test
	void pndmPowerOfThreeInferenceSteps() {
		// test_scheduler_pndm.py, PNDMSchedulerTest.test_pow_of_3_inference_steps: 27 steps used to fail on the first
		// Runge–Kutta steps (diffusers asserts only that two steps run); here they must also stay finite
		PndmScheduler scheduler = new PndmScheduler(pndmSchedule(0.0001, false), 27, PredictionType.EPSILON, false,
				this.manager);
		NDArray sample = dummySampleDeter();
		NDArray residual = sample.mul(0.1f);
		for (int i = 0; i < 2; i++) {
			sample = scheduler.step(residual, i, sample);
		}
		assertThat(sample.getShape()).isEqualTo(SHAPE);
		assertThat(sample.isInfinite().any().getBoolean() || sample.isNaN().any().getBoolean()).isFalse();
	}

	// test_scheduler_euler.py / test_scheduler_euler_ancestral.py: get_scheduler_config: 1100 steps, "linear"
	// 0.0001 to 0.02; the schedulers' defaults: "linspace", steps_offset 0; 10 steps; generator torch.manual_seed(0)
	private static final NoiseSchedule EULER_SCHEDULE = new NoiseSchedule(1100, 0.0001, 0.02,
			NoiseSchedule.Betas.LINEAR, NoiseSchedule.Spacing.LINSPACE, 0, true);

	private NDArray eulerAncestral(PredictionType prediction) {
		try (TorchNoise noise = TorchNoise.shared(0, 10)) {
			NDArray result = eulerLoop(new EulerScheduler(EULER_SCHEDULE, 10, prediction, false, true, noise));
			return result;
		}
	}

	@Test
	void eulerAncestralFullLoopNoNoise() {
		// test_scheduler_euler_ancestral.py, EulerAncestralDiscreteSchedulerTest.test_full_loop_no_noise:
		// 152.3192, 0.1983
		assertSumAndMean(eulerAncestral(PredictionType.EPSILON), 152.3192, 0.1983);
	}

	@Test
	void eulerAncestralFullLoopWithVPrediction() {
		// test_scheduler_euler_ancestral.py, EulerAncestralDiscreteSchedulerTest.test_full_loop_with_v_prediction:
		// 108.4439, 0.1412
		assertSumAndMean(eulerAncestral(PredictionType.V_PREDICTION), 108.4439, 0.1412);
	}

	private NDArray euler(PredictionType prediction, boolean karras) {
		return eulerLoop(new EulerScheduler(EULER_SCHEDULE, 10, prediction, karras, false, (m, shape) -> {
			throw new AssertionError("Euler without churn adds no noise");
		}));
	}

	@Test
	void eulerFullLoopNoNoise() {
		// test_scheduler_euler.py, EulerDiscreteSchedulerTest.test_full_loop_no_noise: 10.0807, 0.0131
		assertSumAndMean(euler(PredictionType.EPSILON, false), 10.0807, 0.0131);
	}

	@Test
	void eulerFullLoopWithVPrediction() {
		// test_scheduler_euler.py, EulerDiscreteSchedulerTest.test_full_loop_with_v_prediction: 0.0002, 2.2676e-06
		assertSumAndMean(euler(PredictionType.V_PREDICTION, false), 0.0002, 2.2676e-06);
	}

	@Test
	void eulerFullLoopWithKarrasSigmas() {
		// test_scheduler_euler.py, EulerDiscreteSchedulerTest.test_full_loop_device_karras_sigmas:
		// 124.52299499511719, 0.16213932633399963
		assertSumAndMean(euler(PredictionType.EPSILON, true), 124.52299499511719, 0.16213932633399963);
	}

	// test_scheduler_dpm_multi.py: get_scheduler_config: 1000 steps, "linear" 0.0001 to 0.02, solver_order 2,
	// "dpmsolver++", "midpoint", lower_order_final False, euler_at_final False, final_sigmas_type "sigma_min"; the
	// scheduler's default spacing "linspace", steps_offset 0; full_loop: 10 steps
	private NDArray dpmSolver(PredictionType prediction, boolean karras) {
		NoiseSchedule schedule = new NoiseSchedule(1000, 0.0001, 0.02, NoiseSchedule.Betas.LINEAR,
				NoiseSchedule.Spacing.LINSPACE, 0, true);
		return plainLoop(
				new DpmSolverMultistepScheduler(schedule, 10, prediction, karras, false, false, this.manager));
	}

	@Test
	void dpmSolverMultistepFullLoopNoNoise() {
		// test_scheduler_dpm_multi.py, DPMSolverMultistepSchedulerTest.test_full_loop_no_noise: mean 0.3301
		assertMean(dpmSolver(PredictionType.EPSILON, false), 0.3301);
	}

	@Test
	void dpmSolverMultistepFullLoopWithVPrediction() {
		// test_scheduler_dpm_multi.py, DPMSolverMultistepSchedulerTest.test_full_loop_with_v_prediction: mean 0.2251
		assertMean(dpmSolver(PredictionType.V_PREDICTION, false), 0.2251);
	}

	@Test
	void dpmSolverMultistepFullLoopWithKarrasAndVPrediction() {
		// test_scheduler_dpm_multi.py, DPMSolverMultistepSchedulerTest.test_full_loop_with_karras_and_v_prediction:
		// mean 0.2096
		assertMean(dpmSolver(PredictionType.V_PREDICTION, true), 0.2096);
	}

	// test_scheduler_lcm.py: get_scheduler_config: 1000 steps, "scaled_linear" 0.00085 to 0.012, epsilon; the
	// scheduler's defaults: original_inference_steps 50, timestep_scaling 10, clip_sample False; full_loop: generator
	// torch.manual_seed(0) handed to every step; these tests compare the sum to 1e-3
	private NDArray lcm(int steps) {
		NoiseSchedule schedule = new NoiseSchedule(1000, 0.00085, 0.012, NoiseSchedule.Betas.SCALED_LINEAR,
				NoiseSchedule.Spacing.LEADING, 0, true);
		try (TorchNoise noise = TorchNoise.shared(0, Math.max(steps - 1, 1))) {
			return plainLoop(new LcmScheduler(schedule, steps, PredictionType.EPSILON, noise));
		}
	}

	@Test
	void lcmFullLoopOnestep() {
		// test_scheduler_lcm.py, LCMSchedulerTest.test_full_loop_onestep: 18.7097, 0.0244 (both to 1e-3)
		NDArray abs = lcm(1).abs();
		assertThat((double) abs.sum().getFloat()).isCloseTo(18.7097, within(1e-3));
		assertThat((double) abs.mean().getFloat()).isCloseTo(0.0244, within(1e-3));
	}

	@Test
	void lcmFullLoopMultistep() {
		// test_scheduler_lcm.py, LCMSchedulerTest.test_full_loop_multistep: 197.7616, 0.2575 (both to 1e-3)
		NDArray abs = lcm(10).abs();
		assertThat((double) abs.sum().getFloat()).isCloseTo(197.7616, within(1e-3));
		assertThat((double) abs.mean().getFloat()).isCloseTo(0.2575, within(1e-3));
	}

	@Test
	void lcmInferenceTimesteps() {
		// test_scheduler_lcm.py, LCMSchedulerTest.test_inference_steps: the last timestep of 10, 25, 26, 50 steps is
		// 99, 39, 39, 19
		NoiseSchedule schedule = NoiseSchedule.STABLE_DIFFUSION;
		NoiseSource none = (m, shape) -> m.zeros(shape);
		assertThat(new LcmScheduler(schedule, 10, PredictionType.EPSILON, none).timesteps()).endsWith(99);
		assertThat(new LcmScheduler(schedule, 25, PredictionType.EPSILON, none).timesteps()).endsWith(39);
		assertThat(new LcmScheduler(schedule, 26, PredictionType.EPSILON, none).timesteps()).endsWith(39);
		assertThat(new LcmScheduler(schedule, 50, PredictionType.EPSILON, none).timesteps()).endsWith(19);
	}

}
