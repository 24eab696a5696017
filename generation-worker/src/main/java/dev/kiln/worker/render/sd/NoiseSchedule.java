package dev.kiln.worker.render.sd;

/**
 * Stable Diffusion 1.x/2.x training noise schedule and the "leading" sampling timesteps, as diffusers configures
 * them for these models: 1000 training steps, β = linspace(√0.00085, √0.012, 1000)² ("scaled_linear"),
 * ᾱ = cumprod(1 − β), timesteps {@code (0, r, 2r, …)·reversed + steps_offset} with {@code r = 1000 / steps} (integer
 * division) and {@code steps_offset = 1}.
 */
final class NoiseSchedule {

	/** Diffusion steps the models were trained with. */
	static final int TRAINING_STEPS = 1000;

	/** Added to every sampling timestep ({@code steps_offset} in the models' scheduler configuration). */
	static final int STEPS_OFFSET = 1;

	private static final double BETA_START = 0.00085;

	private static final double BETA_END = 0.012;

	private static final double[] ALPHAS_CUMPROD = computeAlphasCumprod();

	private NoiseSchedule() {
	}

	private static double[] computeAlphasCumprod() {
		double start = Math.sqrt(BETA_START);
		double end = Math.sqrt(BETA_END);
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
	 * ᾱ at a training timestep.
	 * @param timestep 0 to {@link #TRAINING_STEPS} − 1
	 * @return the cumulative signal fraction
	 */
	static double alphaCumprod(int timestep) {
		return ALPHAS_CUMPROD[timestep];
	}

	/**
	 * ᾱ before the first training step when a sampler steps past timestep 0. Stable Diffusion's schedulers are
	 * configured with {@code set_alpha_to_one = false}, so this is ᾱ at timestep 0, not 1.
	 * @return the final cumulative signal fraction
	 */
	static double finalAlphaCumprod() {
		return ALPHAS_CUMPROD[0];
	}

	/**
	 * The gap between two sampling timesteps.
	 * @param steps sampling steps
	 * @return {@code 1000 / steps}, integer division
	 */
	static int stepRatio(int steps) {
		return TRAINING_STEPS / steps;
	}

	/**
	 * Sampling timesteps with "leading" spacing, noisiest first: for 50 steps 981, 961, …, 21, 1.
	 * @param steps sampling steps, 1 to {@link #TRAINING_STEPS}
	 * @return {@code steps} strictly decreasing timesteps
	 */
	static int[] leadingTimesteps(int steps) {
		checkSteps(steps);
		int ratio = stepRatio(steps);
		int[] result = new int[steps];
		for (int i = 0; i < steps; i++) {
			result[i] = (steps - 1 - i) * ratio + STEPS_OFFSET;
		}
		return result;
	}

	/**
	 * Checks a number of sampling steps.
	 * @param steps sampling steps
	 * @throws IllegalArgumentException unless 1 to {@link #TRAINING_STEPS}
	 */
	static void checkSteps(int steps) {
		if (steps < 1 || steps > TRAINING_STEPS) {
			throw new IllegalArgumentException(
					"steps must be between 1 and " + TRAINING_STEPS + " but was " + steps);
		}
	}

}
