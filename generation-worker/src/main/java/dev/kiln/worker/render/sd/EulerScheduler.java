package dev.kiln.worker.render.sd;

import java.util.List;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Euler sampling in σ space, as diffusers' {@code EulerDiscreteScheduler} ({@code s_churn = 0}) and
 * {@code EulerAncestralDiscreteScheduler}: σ at each of the schedule's timesteps (interpolated for fractional
 * "linspace" ones), or with Karras σs ({@code use_karras_sigmas}: ρ = 7 between the first and last of those, their
 * timesteps found back by log-σ interpolation), then σ = 0. The UNet sees x / √(σ²+1); a step predicts
 * x̂₀ = x − σ·ε (v-prediction: −σ/√(σ²+1)·v + x/(σ²+1)) and moves x + (x − x̂₀)/σ·(σ' − σ). The plain sampler
 * moves to σ' = σ_next; the ancestral one to σ_down and adds σ_up·z of fresh noise
 * (σ_up = √(σ_next²(σ²−σ_next²)/σ²), σ_down = √(σ_next² − σ_up²)), drawing z at every step as diffusers does.
 * The initial noise is scaled by √(σ_max²+1) for "leading" spacing and by σ_max otherwise.
 */
final class EulerScheduler implements Scheduler {

	private final double[] timesteps;

	private final double[] sigmas;

	private final boolean leading;

	private final PredictionType prediction;

	private final NoiseSource noise;

	private final boolean ancestral;

	/**
	 * @param schedule the noise schedule and spacing
	 * @param steps sampling steps
	 * @param prediction what the UNet predicts
	 * @param karras whether to use Karras σs
	 * @param ancestral whether to add fresh noise each step (then {@code noise} is drawn from)
	 * @param noise the ancestral noise
	 */
	EulerScheduler(NoiseSchedule schedule, int steps, PredictionType prediction, boolean karras, boolean ancestral,
			NoiseSource noise) {
		double[] spaced = schedule.timesteps(steps);
		this.sigmas = new double[steps + 1];
		for (int i = 0; i < steps; i++) {
			this.sigmas[i] = schedule.sigma(spaced[i]);
		}
		if (karras) {
			double[] karrasSigmas = karras(this.sigmas[0], this.sigmas[steps - 1], steps);
			System.arraycopy(karrasSigmas, 0, this.sigmas, 0, steps);
			for (int i = 0; i < steps; i++) {
				spaced[i] = schedule.timestepOf(this.sigmas[i]);
			}
		}
		this.timesteps = spaced;
		this.leading = schedule.spacing() == NoiseSchedule.Spacing.LEADING;
		this.prediction = prediction;
		this.ancestral = ancestral;
		this.noise = noise;
	}

	/**
	 * Karras et al. (2022) noise levels: {@code (σ_max^(1/ρ) + ramp·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ}, ρ = 7, ramp =
	 * linspace(0, 1, n).
	 * @param sigmaMax the first
	 * @param sigmaMin the last
	 * @param steps how many
	 * @return decreasing noise levels
	 */
	static double[] karras(double sigmaMax, double sigmaMin, int steps) {
		double rho = 7.0;
		double minInverse = Math.pow(sigmaMin, 1 / rho);
		double maxInverse = Math.pow(sigmaMax, 1 / rho);
		double[] result = new double[steps];
		for (int i = 0; i < steps; i++) {
			double ramp = (steps == 1) ? 0.0 : (double) i / (steps - 1);
			result[i] = Math.pow(maxInverse + ramp * (minInverse - maxInverse), rho);
		}
		return result;
	}

	/**
	 * The noise level at each evaluation, followed by 0.
	 * @return {@code steps + 1} levels; do not modify
	 */
	double[] sigmas() {
		return this.sigmas;
	}

	@Override
	public double[] timesteps() {
		return this.timesteps;
	}

	@Override
	public double initNoiseSigma() {
		double max = this.sigmas[0];
		return this.leading ? Math.sqrt(max * max + 1) : max;
	}

	/**
	 * diffusers' {@code EulerDiscreteScheduler.add_noise} and {@code EulerAncestralDiscreteScheduler.add_noise}
	 * ({@code schedulers/scheduling_euler_discrete.py}): x₀ + σ·ε with σ = {@code sigmas[step_index]} (the begin index
	 * img2img sets).
	 */
	@Override
	public NDArray addNoise(NDArray original, NDArray noise, int index) {
		return original.add(noise.mul((float) this.sigmas[index]));
	}

	@Override
	public NDArray scaleModelInput(NDArray sample, int index) {
		double sigma = this.sigmas[index];
		return sample.div((float) Math.sqrt(sigma * sigma + 1));
	}

	/**
	 * Draws, and drops, the noise the interrupted render drew in its first {@code evaluations} steps, so the noise
	 * of the remaining steps is the noise an uninterrupted render would use.
	 */
	@Override
	public void restore(int evaluations, List<NDArray> state, Shape latentShape) {
		if (!state.isEmpty()) {
			throw new IllegalArgumentException("Euler keeps no state but " + state.size() + " arrays were given");
		}
		if (!this.ancestral) {
			return;
		}
		try (NDManager scratch = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			for (int i = 0; i < evaluations; i++) {
				this.noise.next(scratch, latentShape).close();
			}
		}
	}

	@Override
	public NDArray step(NDArray modelOutput, int index, NDArray sample) {
		double sigma = this.sigmas[index];
		double next = this.sigmas[index + 1];
		NDArray clean;
		if (this.prediction == PredictionType.V_PREDICTION) {
			double scale = sigma * sigma + 1;
			clean = modelOutput.mul((float) (-sigma / Math.sqrt(scale))).add(sample.div((float) scale));
		}
		else {
			clean = sample.sub(modelOutput.mul((float) sigma));
		}
		NDArray derivative = sample.sub(clean).div((float) sigma);
		if (!this.ancestral) {
			return sample.add(derivative.mul((float) (next - sigma)));
		}
		double up = Math.sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma));
		double down = Math.sqrt(Math.max(0, next * next - up * up));
		NDArray previous = sample.add(derivative.mul((float) (down - sigma)));
		NDArray fresh = this.noise.next(sample.getManager(), sample.getShape());
		if (up > 0) {
			previous = previous.add(fresh.toDevice(sample.getDevice(), false).mul((float) up));
		}
		return previous;
	}

}
