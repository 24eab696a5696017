package dev.kiln.worker.render;

/**
 * The cumulative signal fractions ᾱ of a training noise schedule, the one place Kiln computes them: β =
 * linspace(start, end, T) ("linear") or linspace(√start, √end, T)² ("scaled_linear", diffusers'
 * {@code beta_schedule}), ᾱ = cumprod(1 − β), in double precision. {@link #STABLE_DIFFUSION} is the schedule Stable
 * Diffusion 1.x/2.x were trained with (1000 steps, "scaled_linear" 0.00085 to 0.012, as their
 * {@code scheduler_config.json} states it); the built-in model samples on it too. Timestep spacing is the
 * sampler's business, not this class's.
 */
public final class AlphaSchedule {

	/** Stable Diffusion 1.x/2.x: 1000 steps, β = linspace(√0.00085, √0.012, 1000)². */
	public static final AlphaSchedule STABLE_DIFFUSION = scaledLinear(1000, 0.00085, 0.012);

	private final double[] alphasCumprod;

	private AlphaSchedule(int trainingSteps, double start, double end, boolean squared) {
		if (trainingSteps < 2) {
			throw new IllegalArgumentException("trainingSteps must be at least 2 but was " + trainingSteps);
		}
		this.alphasCumprod = new double[trainingSteps];
		double product = 1.0;
		for (int t = 0; t < trainingSteps; t++) {
			double value = start + (end - start) * t / (trainingSteps - 1);
			double beta = squared ? value * value : value;
			product *= 1.0 - beta;
			this.alphasCumprod[t] = product;
		}
	}

	/**
	 * diffusers' "linear" schedule: β = linspace(betaStart, betaEnd, T).
	 * @param trainingSteps T ({@code num_train_timesteps}), at least 2
	 * @param betaStart β₀
	 * @param betaEnd β_{T−1}
	 * @return the schedule
	 */
	public static AlphaSchedule linear(int trainingSteps, double betaStart, double betaEnd) {
		return new AlphaSchedule(trainingSteps, betaStart, betaEnd, false);
	}

	/**
	 * diffusers' "scaled_linear" schedule: β = linspace(√betaStart, √betaEnd, T)².
	 * @param trainingSteps T ({@code num_train_timesteps}), at least 2
	 * @param betaStart β₀
	 * @param betaEnd β_{T−1}
	 * @return the schedule
	 */
	public static AlphaSchedule scaledLinear(int trainingSteps, double betaStart, double betaEnd) {
		return new AlphaSchedule(trainingSteps, Math.sqrt(betaStart), Math.sqrt(betaEnd), true);
	}

	/** The number of training steps T. */
	public int trainingSteps() {
		return this.alphasCumprod.length;
	}

	/**
	 * ᾱ at a training timestep.
	 * @param timestep 0 to {@link #trainingSteps()} − 1
	 * @return the cumulative signal fraction
	 */
	public double alphaCumprod(int timestep) {
		return this.alphasCumprod[timestep];
	}

}
