package dev.kiln.worker.render.sd;

import java.util.List;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Latent Consistency Model multistep sampling (Luo et al. 2023), as diffusers' {@code LCMScheduler}: timesteps picked
 * from the distillation schedule {@code (1..50)·(T // 50) − 1} ({@code original_inference_steps = 50}), reversed, at
 * indices {@code floor(linspace(0, 50, n, endpoint=False))} (for 4 steps: 999, 759, 499, 259; the model's timestep
 * spacing does not apply). Each step predicts x̂₀ from the UNet output, applies the consistency boundary condition
 * {@code denoised = c_out·x̂₀ + c_skip·x} with {@code c_skip = σ_d²/((10t)² + σ_d²)},
 * {@code c_out = 10t/√((10t)² + σ_d²)}, σ_d = 0.5, and, except after the last step, re-noises it to the next
 * timestep: {@code √ᾱ_next·denoised + √(1 − ᾱ_next)·z} with fresh noise z. Used with guidance ≤ 1 for LCM-LoRA
 * models (distilled LCM models that take a guidance embedding are not supported).
 */
final class LcmScheduler extends AlphaScheduler {

	/** {@code original_inference_steps}: the distillation schedule's length. */
	static final int ORIGINAL_STEPS = 50;

	private static final double SIGMA_DATA = 0.5;

	private static final double TIMESTEP_SCALING = 10.0;

	private final PredictionType prediction;

	private final NoiseSource noise;

	/**
	 * @param schedule the noise schedule (its spacing is not used)
	 * @param steps sampling steps, 1 to {@value #ORIGINAL_STEPS}
	 * @param prediction what the UNet predicts
	 * @param noise the fresh noise of every step but the last
	 */
	LcmScheduler(NoiseSchedule schedule, int steps, PredictionType prediction, NoiseSource noise) {
		super(schedule, timesteps(schedule, steps));
		this.prediction = prediction;
		this.noise = noise;
	}

	private static double[] timesteps(NoiseSchedule schedule, int steps) {
		if (steps < 1 || steps > ORIGINAL_STEPS) {
			throw new IllegalArgumentException(
					"LCM renders 1 to " + ORIGINAL_STEPS + " steps but " + steps + " were asked for");
		}
		int ratio = schedule.trainingSteps() / ORIGINAL_STEPS;
		double[] timesteps = new double[steps];
		for (int i = 0; i < steps; i++) {
			int index = (int) Math.floor((double) i * ORIGINAL_STEPS / steps);
			// reversed distillation schedule: entry j is (ORIGINAL_STEPS − j)·ratio − 1
			timesteps[i] = (double) (ORIGINAL_STEPS - index) * ratio - 1;
		}
		return timesteps;
	}

	@Override
	public void restore(int evaluations, List<NDArray> state, Shape latentShape) {
		if (!state.isEmpty()) {
			throw new IllegalArgumentException("LCM keeps no state but " + state.size() + " arrays were given");
		}
		try (NDManager scratch = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			for (int i = 0; i < Math.min(evaluations, this.timesteps.length - 1); i++) {
				this.noise.next(scratch, latentShape).close();
			}
		}
	}

	@Override
	public NDArray step(NDArray modelOutput, int index, NDArray sample) {
		int timestep = (int) this.timesteps[index];
		double alpha = this.schedule.alphaCumprod(timestep);
		NDArray clean = (this.prediction == PredictionType.V_PREDICTION)
				? sample.mul((float) Math.sqrt(alpha)).sub(modelOutput.mul((float) Math.sqrt(1 - alpha)))
				: sample.sub(modelOutput.mul((float) Math.sqrt(1 - alpha))).div((float) Math.sqrt(alpha));
		double scaled = timestep * TIMESTEP_SCALING;
		double skip = SIGMA_DATA * SIGMA_DATA / (scaled * scaled + SIGMA_DATA * SIGMA_DATA);
		double out = scaled / Math.sqrt(scaled * scaled + SIGMA_DATA * SIGMA_DATA);
		NDArray denoised = clean.mul((float) out).add(sample.mul((float) skip));
		if (index == this.timesteps.length - 1) {
			return denoised;
		}
		double alphaNext = this.schedule.alphaCumprod((int) this.timesteps[index + 1]);
		NDArray fresh = this.noise.next(sample.getManager(), sample.getShape()).toDevice(sample.getDevice(), false);
		return denoised.mul((float) Math.sqrt(alphaNext)).add(fresh.mul((float) Math.sqrt(1 - alphaNext)));
	}

}
