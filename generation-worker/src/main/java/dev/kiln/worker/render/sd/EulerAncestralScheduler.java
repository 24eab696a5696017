package dev.kiln.worker.render.sd;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Euler ancestral sampling, as diffusers' {@code EulerAncestralDiscreteScheduler} for Stable Diffusion: "leading"
 * timesteps with offset 1, σₜ = √((1−ᾱₜ)/ᾱₜ) at each timestep and σ = 0 after the last. The UNet sees
 * x / √(σ²+1); one step predicts x̂₀ = x − σ·ε, splits the move to the next σ into a deterministic part
 * σ_down and fresh noise σ_up (σ_up = √(σ_next²(σ²−σ_next²)/σ²), σ_down = √(σ_next²−σ_up²)) and returns
 * x + (x−x̂₀)/σ·(σ_down−σ) + σ_up·z. The initial noise is scaled by √(σ_max²+1), as diffusers does for "leading"
 * spacing.
 */
final class EulerAncestralScheduler implements Scheduler {

	private final int[] timesteps;

	private final double[] sigmas;

	private final PredictionType prediction;

	private final NoiseSource noise;

	EulerAncestralScheduler(int steps, PredictionType prediction, NoiseSource noise) {
		this.timesteps = NoiseSchedule.leadingTimesteps(steps);
		this.sigmas = new double[steps + 1];
		for (int i = 0; i < steps; i++) {
			this.sigmas[i] = sigma(this.timesteps[i]);
		}
		this.prediction = prediction;
		this.noise = noise;
	}

	/**
	 * The noise level of a training timestep in the variance-exploding parameterisation.
	 * @param timestep the timestep
	 * @return √((1−ᾱₜ)/ᾱₜ)
	 */
	static double sigma(int timestep) {
		double alpha = NoiseSchedule.alphaCumprod(timestep);
		return Math.sqrt((1 - alpha) / alpha);
	}

	/**
	 * The noise level at each evaluation, followed by 0.
	 * @return {@code steps + 1} levels; do not modify
	 */
	double[] sigmas() {
		return this.sigmas;
	}

	@Override
	public int[] timesteps() {
		return this.timesteps;
	}

	@Override
	public double initNoiseSigma() {
		double max = this.sigmas[0];
		return Math.sqrt(max * max + 1);
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
			throw new IllegalArgumentException("Euler ancestral keeps no state but " + state.size()
					+ " arrays were given");
		}
		try (NDManager scratch = NDManager.newBaseManager(TorchScriptModules.ENGINE)) {
			for (int i = 0; i < evaluations; i++) {
				if (noiseLevelUp(i) > 0) {
					this.noise.next(scratch, latentShape).close();
				}
			}
		}
	}

	private double noiseLevelUp(int index) {
		double sigma = this.sigmas[index];
		double next = this.sigmas[index + 1];
		return Math.sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma));
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
		double up = noiseLevelUp(index);
		double down = Math.sqrt(Math.max(0, next * next - up * up));
		NDArray derivative = sample.sub(clean).div((float) sigma);
		NDArray previous = sample.add(derivative.mul((float) (down - sigma)));
		if (up > 0) {
			previous = previous.add(this.noise.next(sample.getManager(), sample.getShape()).mul((float) up));
		}
		return previous;
	}

}
