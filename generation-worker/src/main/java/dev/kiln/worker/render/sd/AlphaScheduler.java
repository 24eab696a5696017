package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;

/**
 * A sampler that moves between the integer timesteps of a {@link NoiseSchedule} by their ᾱ (DDIM, PNDM, LCM): the
 * latents start as N(0, 1) noise, go into the UNet unscaled, and an img2img render noises the init latents to ᾱ of
 * its first timestep.
 */
abstract class AlphaScheduler implements Scheduler {

	/** The training schedule whose ᾱ the steps use. */
	final NoiseSchedule schedule;

	/** The UNet timesteps, one per evaluation. */
	final double[] timesteps;

	/**
	 * @param schedule the training schedule
	 * @param timesteps the UNet timesteps, integral
	 */
	AlphaScheduler(NoiseSchedule schedule, double[] timesteps) {
		this.schedule = schedule;
		this.timesteps = timesteps;
	}

	@Override
	public final double[] timesteps() {
		return this.timesteps;
	}

	/**
	 * {@code add_noise} of diffusers' {@code DDIMScheduler}, {@code PNDMScheduler} and {@code LCMScheduler}
	 * ({@code schedulers/scheduling_ddim.py}, {@code scheduling_pndm.py}, {@code scheduling_lcm.py}):
	 * √ᾱₜ·x₀ + √(1−ᾱₜ)·ε at the timestep of evaluation {@code index}.
	 */
	@Override
	public final NDArray addNoise(NDArray original, NDArray noise, int index) {
		return Scheduler.noiseToAlpha(original, noise, this.schedule.alphaCumprod((int) this.timesteps[index]));
	}

}
