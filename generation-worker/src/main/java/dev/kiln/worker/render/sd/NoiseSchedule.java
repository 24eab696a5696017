package dev.kiln.worker.render.sd;

import java.util.Locale;

import dev.kiln.worker.render.AlphaSchedule;

/**
 * A training noise schedule ({@link AlphaSchedule} computes its ᾱ) and its sampling timesteps, configured as
 * diffusers' schedulers are
 * ({@code num_train_timesteps}, {@code beta_start}, {@code beta_end}, {@code beta_schedule},
 * {@code timestep_spacing}, {@code steps_offset}, {@code set_alpha_to_one}): β = linspace(start, end, T)
 * ("linear") or linspace(√start, √end, T)² ("scaled_linear"), ᾱ = cumprod(1 − β), σₜ = √((1−ᾱₜ)/ᾱₜ). Computed in
 * double precision (diffusers uses float32 tensors; the difference is far below its tests' tolerances).
 * {@link #STABLE_DIFFUSION} is the schedule Stable Diffusion 1.x/2.x were trained with, as their
 * {@code scheduler_config.json} states it.
 */
final class NoiseSchedule {

	/** Diffusion steps Stable Diffusion was trained with. */
	static final int TRAINING_STEPS = AlphaSchedule.STABLE_DIFFUSION.trainingSteps();

	/**
	 * Stable Diffusion 1.x/2.x: 1000 steps, "scaled_linear" 0.00085 to 0.012, "leading" spacing with
	 * {@code steps_offset = 1}, {@code set_alpha_to_one = false}.
	 */
	static final NoiseSchedule STABLE_DIFFUSION = new NoiseSchedule(TRAINING_STEPS, 0.00085, 0.012, Betas.SCALED_LINEAR,
			Spacing.LEADING, 1, false);

	/** How β grows over the training steps ({@code beta_schedule}). */
	enum Betas {

		/** β = linspace(start, end, T). */
		LINEAR,

		/** β = linspace(√start, √end, T)². */
		SCALED_LINEAR

	}

	/**
	 * How sampling timesteps are spread over the training steps ({@code timestep_spacing}, table 2 of "Common
	 * Diffusion Noise Schedules and Sample Steps are Flawed", arXiv:2305.08891).
	 */
	enum Spacing {

		/** {@code arange(n)·(T // n)} reversed, plus {@code steps_offset}: SD 1.x/2.x's configuration. */
		LEADING("leading"),

		/** {@code round(arange(T, 0, −T/n)) − 1}: always starts at T − 1 (SD-Turbo, LCM). */
		TRAILING("trailing"),

		/** {@code linspace(0, T − 1, n)} reversed: may fall between training steps. */
		LINSPACE("linspace");

		private final String configName;

		Spacing(String configName) {
			this.configName = configName;
		}

		/** The name in diffusers' configuration and in {@code kiln-model.json}. */
		String configName() {
			return this.configName;
		}

		/**
		 * Parses a spacing name.
		 * @param name {@code leading}, {@code trailing} or {@code linspace}
		 * @return the spacing
		 * @throws IllegalArgumentException for any other name
		 */
		static Spacing of(String name) {
			String normalized = name.trim().toLowerCase(Locale.ROOT);
			for (Spacing spacing : values()) {
				if (spacing.configName.equals(normalized)) {
					return spacing;
				}
			}
			throw new IllegalArgumentException(
					"Unknown timestep spacing '" + name + "'; expected 'leading', 'trailing' or 'linspace'");
		}

	}

	/**
	 * The configuration, as diffusers' {@code scheduler_config.json} names it.
	 *
	 * @param trainingSteps {@code num_train_timesteps}
	 * @param betaStart {@code beta_start}
	 * @param betaEnd {@code beta_end}
	 * @param betas {@code beta_schedule}
	 * @param spacing {@code timestep_spacing}
	 * @param stepsOffset {@code steps_offset}, added to "leading" timesteps
	 * @param alphaToOne {@code set_alpha_to_one}: ᾱ past timestep 0 is 1 rather than ᾱ₀ (DDIM, PNDM)
	 */
	record Config(int trainingSteps, double betaStart, double betaEnd, Betas betas, Spacing spacing, int stepsOffset,
			boolean alphaToOne) {

		/** The ᾱ of this configuration's training steps. */
		AlphaSchedule alphas() {
			return (this.betas == Betas.SCALED_LINEAR)
					? AlphaSchedule.scaledLinear(this.trainingSteps, this.betaStart, this.betaEnd)
					: AlphaSchedule.linear(this.trainingSteps, this.betaStart, this.betaEnd);
		}

	}

	private final Config config;

	private final AlphaSchedule alphas;

	private final double[] sigmas;

	/**
	 * A schedule of that configuration (see {@link Config} for the parameters).
	 */
	NoiseSchedule(int trainingSteps, double betaStart, double betaEnd, Betas betas, Spacing spacing, int stepsOffset,
			boolean alphaToOne) {
		this(new Config(trainingSteps, betaStart, betaEnd, betas, spacing, stepsOffset, alphaToOne));
	}

	NoiseSchedule(Config config) {
		this.config = config;
		this.alphas = config.alphas();
		this.sigmas = new double[config.trainingSteps()];
		for (int t = 0; t < this.sigmas.length; t++) {
			double alpha = this.alphas.alphaCumprod(t);
			this.sigmas[t] = Math.sqrt((1 - alpha) / alpha);
		}
	}

	/** This schedule with another timestep spacing (and, for "leading", steps offset). */
	NoiseSchedule withSpacing(Spacing spacing, int stepsOffset) {
		Config c = this.config;
		return new NoiseSchedule(new Config(c.trainingSteps(), c.betaStart(), c.betaEnd(), c.betas(), spacing,
				stepsOffset, c.alphaToOne()));
	}

	/** This schedule with another {@code set_alpha_to_one}. */
	NoiseSchedule withAlphaToOne(boolean alphaToOne) {
		Config c = this.config;
		return new NoiseSchedule(new Config(c.trainingSteps(), c.betaStart(), c.betaEnd(), c.betas(), c.spacing(),
				c.stepsOffset(), alphaToOne));
	}

	int trainingSteps() {
		return this.config.trainingSteps();
	}

	Spacing spacing() {
		return this.config.spacing();
	}

	int stepsOffset() {
		return this.config.stepsOffset();
	}

	/**
	 * ᾱ at a training timestep.
	 * @param timestep 0 to {@link #trainingSteps()} − 1
	 * @return the cumulative signal fraction
	 */
	double alphaCumprod(int timestep) {
		return this.alphas.alphaCumprod(timestep);
	}

	/**
	 * ᾱ at a timestep, or past timestep 0 (a negative one): 1 with {@code set_alpha_to_one}, else ᾱ₀.
	 * @param timestep a training timestep, or negative
	 * @return the cumulative signal fraction
	 */
	double alphaCumprodOrFinal(int timestep) {
		if (timestep >= 0) {
			return this.alphas.alphaCumprod(timestep);
		}
		return this.config.alphaToOne() ? 1.0 : this.alphas.alphaCumprod(0);
	}

	/** The smallest and largest σ of the training steps: σ₀ and σ_{T−1}. */
	double sigmaMin() {
		return this.sigmas[0];
	}

	double sigmaMax() {
		return this.sigmas[this.config.trainingSteps() - 1];
	}

	/**
	 * σ at a possibly fractional timestep, linearly interpolated between training steps ({@code np.interp}).
	 * @param timestep 0 to {@link #trainingSteps()} − 1
	 * @return the noise level
	 */
	double sigma(double timestep) {
		if (timestep <= 0) {
			return this.sigmas[0];
		}
		if (timestep >= this.config.trainingSteps() - 1) {
			return this.sigmas[this.config.trainingSteps() - 1];
		}
		int low = (int) Math.floor(timestep);
		double weight = timestep - low;
		return this.sigmas[low] + weight * (this.sigmas[low + 1] - this.sigmas[low]);
	}

	/**
	 * The fractional timestep of a noise level, interpolating log σ between training steps (diffusers'
	 * {@code _sigma_to_t}).
	 * @param sigma the noise level
	 * @return the timestep, 0 to {@link #trainingSteps()} − 1
	 */
	double timestepOf(double sigma) {
		double logSigma = Math.log(Math.max(sigma, 1e-10));
		int low = 0;
		for (int t = 0; t < this.config.trainingSteps(); t++) {
			if (logSigma - Math.log(this.sigmas[t]) >= 0) {
				low = t;
			}
		}
		low = Math.min(low, this.config.trainingSteps() - 2);
		double lowLog = Math.log(this.sigmas[low]);
		double highLog = Math.log(this.sigmas[low + 1]);
		double weight = Math.clamp((lowLog - logSigma) / (lowLog - highLog), 0.0, 1.0);
		return (1 - weight) * low + weight * (low + 1);
	}

	/**
	 * The gap DDIM and PNDM step back by: {@code T // steps}.
	 * @param steps sampling steps
	 * @return the step ratio
	 */
	int stepRatio(int steps) {
		return this.config.trainingSteps() / steps;
	}

	/**
	 * Sampling timesteps, noisiest first, as diffusers' DDIM, Euler and Euler ancestral schedulers space them:
	 * "leading" {@code arange(n)·(T // n)} reversed {@code + steps_offset}; "trailing"
	 * {@code round(arange(T, 0, −T/n)) − 1}; "linspace" {@code linspace(0, T − 1, n)} reversed (not rounded here:
	 * DDIM rounds, Euler keeps the fractions).
	 * @param steps sampling steps, 1 to {@link #trainingSteps()}
	 * @return {@code steps} decreasing timesteps
	 */
	double[] timesteps(int steps) {
		checkSteps(steps);
		int training = this.config.trainingSteps();
		double[] result = new double[steps];
		for (int i = 0; i < steps; i++) {
			result[i] = switch (this.config.spacing()) {
				case LEADING -> (double) (steps - 1 - i) * stepRatio(steps) + this.config.stepsOffset();
				case TRAILING -> Math.rint(training - i * ((double) training / steps)) - 1;
				case LINSPACE -> (steps == 1) ? 0.0 : (training - 1.0) * (steps - 1 - i) / (steps - 1);
			};
		}
		return result;
	}

	/**
	 * Checks a number of sampling steps.
	 * @param steps sampling steps
	 * @throws IllegalArgumentException unless 1 to {@link #trainingSteps()}
	 */
	void checkSteps(int steps) {
		if (steps < 1 || steps > this.config.trainingSteps()) {
			throw new IllegalArgumentException(
					"steps must be between 1 and " + this.config.trainingSteps() + " but was " + steps);
		}
	}

	/**
	 * Rounds fractional timesteps half to even, as numpy's {@code round}.
	 * @param timesteps timesteps
	 * @return them rounded
	 */
	static double[] rounded(double[] timesteps) {
		double[] result = new double[timesteps.length];
		for (int i = 0; i < timesteps.length; i++) {
			result[i] = Math.rint(timesteps[i]);
		}
		return result;
	}

}
