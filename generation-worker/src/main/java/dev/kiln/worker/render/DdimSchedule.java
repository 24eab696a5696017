package dev.kiln.worker.render;

/**
 * The built-in model's DDIM (η = 0) sampling timesteps on Stable Diffusion's noise schedule
 * ({@link AlphaSchedule#STABLE_DIFFUSION}). Sampling uses evenly spaced timesteps ending at the
 * cleanest one ("trailing" spacing), so the first step always starts from pure noise and the last one lands on
 * ᾱ = 1, the clean image. The timesteps round half up, where diffusers' "trailing" spacing
 * ({@code sd.NoiseSchedule}) rounds half to even: they differ by one at step counts that are multiples of 16; kept
 * as the built-in model has always sampled.
 */
final class DdimSchedule {

	static final int TRAINING_STEPS = AlphaSchedule.STABLE_DIFFUSION.trainingSteps();

	private DdimSchedule() {
	}

	/**
	 * The timesteps to sample at, noisiest first.
	 * @param steps the number of sampling steps, 1 to {@link #TRAINING_STEPS}
	 * @return {@code steps} strictly decreasing timesteps, the first {@code TRAINING_STEPS - 1}
	 */
	static int[] timesteps(int steps) {
		int[] result = new int[steps];
		for (int i = 0; i < steps; i++) {
			result[i] = (int) Math.round((double) (steps - i) * TRAINING_STEPS / steps) - 1;
		}
		return result;
	}

	/**
	 * ᾱ at a timestep; {@code -1} stands for "after the last step" and gives 1.
	 * @param timestep the timestep, or -1
	 * @return the cumulative signal fraction ᾱ
	 */
	static double alphaCumprod(int timestep) {
		return (timestep < 0) ? 1.0 : AlphaSchedule.STABLE_DIFFUSION.alphaCumprod(timestep);
	}

}
