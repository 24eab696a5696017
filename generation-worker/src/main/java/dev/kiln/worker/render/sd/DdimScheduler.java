package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;

/**
 * DDIM with η = 0 (Song et al. 2020), as diffusers' {@code DDIMScheduler}: the schedule's timesteps (rounded for
 * "linspace"), t_prev = t − T // steps, ᾱ past timestep 0 per {@code set_alpha_to_one}, optional
 * {@code clip_sample} (x̂₀ clamped to [−1, 1]). One step: x̂₀ = (x − √(1−ᾱₜ)·ε) / √ᾱₜ,
 * x_prev = √ᾱ_prev·x̂₀ + √(1−ᾱ_prev)·ε.
 */
final class DdimScheduler extends AlphaScheduler {

	private final int stepRatio;

	private final PredictionType prediction;

	private final boolean clipSample;

	DdimScheduler(int steps, PredictionType prediction) {
		this(NoiseSchedule.STABLE_DIFFUSION, steps, prediction, false);
	}

	DdimScheduler(NoiseSchedule schedule, int steps, PredictionType prediction, boolean clipSample) {
		super(schedule, NoiseSchedule.rounded(schedule.timesteps(steps)));
		this.stepRatio = schedule.stepRatio(steps);
		this.prediction = prediction;
		this.clipSample = clipSample;
	}

	@Override
	public NDArray step(NDArray modelOutput, int index, NDArray sample) {
		int timestep = (int) this.timesteps[index];
		double alpha = this.schedule.alphaCumprod(timestep);
		double alphaPrevious = this.schedule.alphaCumprodOrFinal(timestep - this.stepRatio);
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
		if (this.clipSample) {
			clean = clean.clip(-1f, 1f);
		}
		return clean.mul((float) Math.sqrt(alphaPrevious))
			.add(epsilon.mul((float) Math.sqrt(1 - alphaPrevious)));
	}

}
