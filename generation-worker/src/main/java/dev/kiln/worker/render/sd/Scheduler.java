package dev.kiln.worker.render.sd;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A sampler that walks latents from noise to a clean sample, one UNet evaluation per entry of {@link #timesteps()}.
 * A scheduler is made for one render and keeps that render's state (PNDM's past noise predictions); it is not
 * thread-safe.
 * <p>
 * Use: draw the initial latents from N(0, 1) and multiply by {@link #initNoiseSigma()}; then for each index
 * {@code i} feed {@link #scaleModelInput} of the latents to the UNet at timestep {@code timesteps()[i]} and pass its
 * (guided) output to {@link #step}.
 */
interface Scheduler {

	/**
	 * The UNet timesteps, one per evaluation, in order. PNDM evaluates one more time than the requested steps when
	 * there are two or more (its second-order start repeats a timestep).
	 * @return the timesteps, integral except for "linspace" Euler and Karras σ schedules; do not modify
	 */
	double[] timesteps();

	/**
	 * The standard deviation of the initial latents: 1 unless the sampler works in σ space (Euler).
	 * @return the factor N(0, 1) noise is multiplied by
	 */
	default double initNoiseSigma() {
		return 1.0;
	}

	/**
	 * Scales the latents before they go into the UNet at evaluation {@code index}: unchanged unless the sampler
	 * works in σ space (Euler).
	 * @param sample the latents
	 * @param index the evaluation, from 0
	 * @return the UNet input (may be {@code sample} itself)
	 */
	default NDArray scaleModelInput(NDArray sample, int index) {
		return sample;
	}

	/**
	 * Moves the latents one evaluation on.
	 * @param modelOutput the UNet's guided prediction at evaluation {@code index}, shaped like {@code sample}
	 * @param index the evaluation, from 0
	 * @param sample the latents the prediction was made for
	 * @return the latents for the next evaluation (after the last one: the clean latents)
	 */
	NDArray step(NDArray modelOutput, int index, NDArray sample);

	/**
	 * Noises clean latents to the level of evaluation {@code index}, where an img2img render starts: the scheduler's
	 * own {@code add_noise} in diffusers, at the first timestep {@code get_timesteps} leaves.
	 * @param original the clean latents x₀ (the init image's, scaled)
	 * @param noise standard-normal noise ε, shaped like {@code original}
	 * @param index the evaluation the render starts at
	 * @return the noised latents, the input of evaluation {@code index}
	 */
	NDArray addNoise(NDArray original, NDArray noise, int index);

	/**
	 * DDPM-style noising, {@code add_noise} of diffusers' {@code DDPMScheduler}, {@code DDIMScheduler},
	 * {@code PNDMScheduler} and {@code LCMScheduler}: √ᾱₜ·x₀ + √(1−ᾱₜ)·ε.
	 * @param original x₀
	 * @param noise ε
	 * @param alphaCumprod ᾱₜ at the timestep
	 * @return the noised latents
	 */
	static NDArray noiseToAlpha(NDArray original, NDArray noise, double alphaCumprod) {
		return original.mul((float) Math.sqrt(alphaCumprod)).add(noise.mul((float) Math.sqrt(1 - alphaCumprod)));
	}

	/**
	 * The state kept across evaluations besides the latents, for a checkpoint: arrays shaped like the latents, in a
	 * fixed order. Empty for samplers that keep none.
	 * @return the state; do not modify or close
	 */
	default List<NDArray> state() {
		return List.of();
	}

	/**
	 * Continues a render interrupted after {@code evaluations} evaluations, as if it had never stopped.
	 * @param evaluations evaluations already done, at least one full step
	 * @param state what {@link #state()} gave after them
	 * @param latentShape the shape of the latents
	 * @throws IllegalArgumentException when the state does not fit this sampler at that point
	 */
	default void restore(int evaluations, List<NDArray> state, Shape latentShape) {
		if (!state.isEmpty()) {
			throw new IllegalArgumentException("This sampler keeps no state but " + state.size() + " arrays were given");
		}
	}

	/**
	 * How many state arrays {@link #state()} gives after {@code evaluations} evaluations.
	 * @param evaluations evaluations done
	 * @return the number of arrays
	 */
	default int stateArrays(int evaluations) {
		return 0;
	}

}
