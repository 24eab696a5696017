package dev.kiln.worker.render.sd;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.jspecify.annotations.Nullable;

/**
 * DPM-Solver++ 2M (Lu et al. 2022), as diffusers' {@code DPMSolverMultistepScheduler} with
 * {@code algorithm_type = "dpmsolver++"}, {@code solver_order = 2}, {@code solver_type = "midpoint"}. Timesteps
 * as that scheduler spaces them ("linspace": {@code round(linspace(0, T−1, n+1))} reversed without its last;
 * "leading": {@code arange(n+1)·(T // (n+1))} reversed without its last, {@code + steps_offset}; "trailing" as
 * elsewhere), σ interpolated at them, or Karras σs between the training schedule's σ_max and σ_min with timesteps
 * rounded from log-σ interpolation; then a final σ of σ₀ ({@code final_sigmas_type = "sigma_min"}) or 0
 * ({@code "zero"}, diffusers' default). With αₜ = 1/√(σ²+1), σₜ = σ·αₜ, λ = log αₜ − log σₜ, each step converts the
 * UNet output to x̂₀ and moves x' = (σₜ'/σₜ)·x − αₜ'(e^{−h} − 1)·D with h = λ' − λ and D = x̂₀ for the first step (and
 * the last one when the final σ is 0, or with {@code lower_order_final} under 15 steps), else
 * D = x̂₀ + (x̂₀ − x̂₀_prev)/(2r), r = (λ − λ_prev)/h. Keeps the previous x̂₀ across steps.
 */
final class DpmSolverMultistepScheduler implements Scheduler {

	private final double[] timesteps;

	private final double[] sigmas;

	private final PredictionType prediction;

	private final boolean lowerOrderFinal;

	private final boolean finalSigmaZero;

	private final NDManager manager;

	private @Nullable NDArray previous;

	/**
	 * @param schedule the noise schedule and spacing
	 * @param steps sampling steps
	 * @param prediction what the UNet predicts
	 * @param karras {@code use_karras_sigmas}
	 * @param lowerOrderFinal {@code lower_order_final}: first order for the last step under 15 steps
	 * @param finalSigmaZero {@code final_sigmas_type = "zero"} rather than {@code "sigma_min"}
	 * @param manager where the kept prediction lives
	 */
	DpmSolverMultistepScheduler(NoiseSchedule schedule, int steps, PredictionType prediction, boolean karras,
			boolean lowerOrderFinal, boolean finalSigmaZero, NDManager manager) {
		schedule.checkSteps(steps);
		int training = schedule.trainingSteps();
		double[] spaced = new double[steps];
		for (int i = 0; i < steps; i++) {
			spaced[i] = switch (schedule.spacing()) {
				case LINSPACE -> Math.rint((training - 1.0) * (steps - i) / steps);
				case LEADING -> (double) (steps - i) * (training / (steps + 1)) + schedule.stepsOffset();
				case TRAILING -> Math.rint(training - i * ((double) training / steps)) - 1;
			};
		}
		this.sigmas = new double[steps + 1];
		if (karras) {
			double[] karrasSigmas = EulerScheduler.karras(schedule.sigmaMax(), schedule.sigmaMin(), steps);
			for (int i = 0; i < steps; i++) {
				this.sigmas[i] = karrasSigmas[i];
				spaced[i] = Math.rint(schedule.timestepOf(karrasSigmas[i]));
			}
		}
		else {
			for (int i = 0; i < steps; i++) {
				this.sigmas[i] = schedule.sigma(spaced[i]);
			}
		}
		this.sigmas[steps] = finalSigmaZero ? 0.0 : schedule.sigmaMin();
		this.timesteps = spaced;
		this.prediction = prediction;
		this.lowerOrderFinal = lowerOrderFinal;
		this.finalSigmaZero = finalSigmaZero;
		this.manager = manager;
	}

	/** diffusers' defaults for Stable Diffusion: "zero" final σ, {@code lower_order_final}. */
	DpmSolverMultistepScheduler(NoiseSchedule schedule, int steps, PredictionType prediction, boolean karras,
			NDManager manager) {
		this(schedule, steps, prediction, karras, true, true, manager);
	}

	@Override
	public double[] timesteps() {
		return this.timesteps;
	}

	/**
	 * diffusers' {@code DPMSolverMultistepScheduler.add_noise} ({@code schedulers/scheduling_dpmsolver_multistep.py}):
	 * σ = {@code sigmas[step_index]} (the begin index img2img sets), {@code _sigma_to_alpha_sigma_t}: αₜ = 1/√(σ²+1),
	 * σₜ = σ·αₜ, then αₜ·x₀ + σₜ·ε (= √ᾱ·x₀ + √(1−ᾱ)·ε for that σ, Karras σ included).
	 */
	@Override
	public NDArray addNoise(NDArray original, NDArray noise, int index) {
		double sigma = this.sigmas[index];
		double alpha = alpha(sigma);
		return original.mul((float) alpha).add(noise.mul((float) (sigma * alpha)));
	}

	private static double alpha(double sigma) {
		return 1 / Math.sqrt(sigma * sigma + 1);
	}

	private static double lambda(double sigma) {
		// log αₜ − log σₜ = −log σ
		return -Math.log(sigma);
	}

	@Override
	public NDArray step(NDArray modelOutput, int index, NDArray sample) {
		double sigma = this.sigmas[index];
		double next = this.sigmas[index + 1];
		double alpha = alpha(sigma);
		double scaledSigma = sigma * alpha;
		NDArray clean = (this.prediction == PredictionType.V_PREDICTION)
				? sample.mul((float) alpha).sub(modelOutput.mul((float) scaledSigma))
				: sample.sub(modelOutput.mul((float) scaledSigma)).div((float) alpha);
		boolean last = index == this.timesteps.length - 1;
		boolean firstOrder = this.previous == null || index == 0
				|| (last && (this.finalSigmaZero || (this.lowerOrderFinal && this.timesteps.length < 15)));
		NDArray result;
		if (next == 0) {
			// σ' = 0: αₜ' = 1, σₜ' = 0, e^{−h} = 0, so the step lands on D itself
			result = firstOrder ? clean : secondOrderDerivative(clean, sigma, next, index);
		}
		else {
			double alphaNext = alpha(next);
			double scaledNext = next * alphaNext;
			double h = lambda(next) - lambda(sigma);
			NDArray derivative = firstOrder ? clean : secondOrderDerivative(clean, sigma, next, index);
			result = sample.mul((float) (scaledNext / scaledSigma))
				.sub(derivative.mul((float) (alphaNext * Math.expm1(-h))));
		}
		keep(clean);
		return result;
	}

	private NDArray secondOrderDerivative(NDArray clean, double sigma, double next, int index) {
		NDArray before = this.previous;
		if (before == null) {
			throw new IllegalStateException("DPM-Solver++ 2M's second-order step needs the previous prediction");
		}
		double h = lambda(next) - lambda(sigma);
		double hPrevious = lambda(sigma) - lambda(this.sigmas[index - 1]);
		double r = hPrevious / h;
		return clean.add(clean.sub(before.toDevice(clean.getDevice(), false)).mul((float) (0.5 / r)));
	}

	private void keep(NDArray clean) {
		if (this.previous != null) {
			this.previous.close();
		}
		NDArray copy = clean.duplicate();
		copy.attach(this.manager);
		this.previous = copy;
	}

	/** The previous step's x̂₀. */
	@Override
	public List<NDArray> state() {
		NDArray kept = this.previous;
		return (kept != null) ? List.of(kept) : List.of();
	}

	@Override
	public int stateArrays(int evaluations) {
		return (evaluations > 0) ? 1 : 0;
	}

	@Override
	public void restore(int evaluations, List<NDArray> state, Shape latentShape) {
		if (evaluations < 1 || evaluations > this.timesteps.length || state.size() != 1) {
			throw new IllegalArgumentException("DPM-Solver++ 2M resumes after 1 to " + this.timesteps.length
					+ " evaluations with its previous prediction, not " + evaluations + " with " + state.size()
					+ " arrays");
		}
		keep(state.get(0));
	}

}
