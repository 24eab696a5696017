package dev.kiln.worker.render;

/**
 * The noise schedule and DDIM (η = 0) sampling timesteps. The schedule is Stable Diffusion's: 1000 training steps,
 * β = linspace(√0.00085, √0.012, 1000)², ᾱ = cumprod(1 − β). Sampling uses evenly spaced timesteps ending at the
 * cleanest one ("trailing" spacing), so the first step always starts from pure noise and the last one lands on
 * ᾱ = 1, the clean image.
 */
final class DdimSchedule {

	static final int TRAINING_STEPS = 1000;

	private static final double[] ALPHAS_CUMPROD = alphasCumprod();

	private DdimSchedule() {
	}

	private static double[] alphasCumprod() {
		double start = Math.sqrt(0.00085);
		double end = Math.sqrt(0.012);
		double[] result = new double[TRAINING_STEPS];
		double product = 1.0;
		for (int t = 0; t < TRAINING_STEPS; t++) {
			double root = start + (end - start) * t / (TRAINING_STEPS - 1);
			product *= 1.0 - root * root;
			result[t] = product;
		}
		return result;
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
		return (timestep < 0) ? 1.0 : ALPHAS_CUMPROD[timestep];
	}

}
