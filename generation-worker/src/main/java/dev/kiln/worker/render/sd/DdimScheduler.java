package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;

/**
 * DDIM with η = 0 (Song et al. 2020), as diffusers' {@code DDIMScheduler} for Stable Diffusion: "leading" timesteps
 * with offset 1, {@code set_alpha_to_one = false}, no sample clipping. One step:
 * x̂₀ = (x − √(1−ᾱₜ)·ε) / √ᾱₜ, x_prev = √ᾱ_prev·x̂₀ + √(1−ᾱ_prev)·ε, with t_prev = t − 1000/steps.
 */
final class DdimScheduler implements Scheduler {

	private final int[] timesteps;

	private final int stepRatio;

	private final PredictionType prediction;

	DdimScheduler(int steps, PredictionType prediction) {
		this.timesteps = NoiseSchedule.leadingTimesteps(steps);
		this.stepRatio = NoiseSchedule.stepRatio(steps);
		this.prediction = prediction;
	}

	@Override
	public int[] timesteps() {
		return this.timesteps;
	}

	@Override
	public double initNoiseSigma() {
		return 1.0;
	}

	@Override
	public NDArray scaleModelInput(NDArray sample, int index) {
		return sample;
	}

	@Override
	public NDArray step(NDArray modelOutput, int index, NDArray sample) {
		int timestep = this.timesteps[index];
		int previous = timestep - this.stepRatio;
		double alpha = NoiseSchedule.alphaCumprod(timestep);
		double alphaPrevious = (previous >= 0) ? NoiseSchedule.alphaCumprod(previous)
				: NoiseSchedule.finalAlphaCumprod();
		double signal = Math.sqrt(alpha);
		double noiseLevel = Math.sqrt(1 - alpha);
		NDArray clean;
		NDArray epsilon;
		if (this.prediction == PredictionType.V_PREDICTION) {
			clean = sample.mul((float) signal).sub(modelOutput.mul((float) noiseLevel));
			epsilon = modelOutput.mul((float) signal).add(sample.mul((float) noiseLevel));
		}
		else {
			clean = sample.sub(modelOutput.mul((float) noiseLevel)).div((float) signal);
			epsilon = modelOutput;
		}
		return clean.mul((float) Math.sqrt(alphaPrevious))
			.add(epsilon.mul((float) Math.sqrt(1 - alphaPrevious)));
	}

}
