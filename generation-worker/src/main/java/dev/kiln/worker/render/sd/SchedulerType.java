package dev.kiln.worker.render.sd;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import ai.djl.ndarray.NDManager;

/** The samplers a Stable Diffusion model can be configured with, by their configuration names. */
enum SchedulerType {

	/** PNDM's linear multistep part (PLMS), as in diffusers with {@code skip_prk_steps}: n + 1 evaluations for n ≥ 2. */
	PNDM("pndm"),

	/** DDIM, deterministic (η = 0). */
	DDIM("ddim"),

	/** Euler ancestral sampling (k-diffusion's {@code sample_euler_ancestral}, η = 1). */
	EULER_ANCESTRAL("euler-ancestral"),

	/** Euler sampling (diffusers' {@code EulerDiscreteScheduler}). */
	EULER("euler"),

	/** DPM-Solver++ 2M. */
	DPM_PP_2M("dpm++2m"),

	/** DPM-Solver++ 2M with Karras σs. */
	DPM_PP_2M_KARRAS("dpm++2m-karras"),

	/** Latent Consistency Model sampling, 1 to 50 steps. */
	LCM("lcm");

	private final String configName;

	SchedulerType(String configName) {
		this.configName = configName;
	}

	/** The name used in configuration ({@code kiln.worker.models.<id>.scheduler}). */
	String configName() {
		return this.configName;
	}

	/**
	 * Parses a scheduler name, ignoring case and surrounding blanks.
	 * @param name a configuration name
	 * @return the type
	 * @throws IllegalArgumentException for any other name
	 */
	static SchedulerType of(String name) {
		String normalized = name.trim().toLowerCase(Locale.ROOT);
		for (SchedulerType type : values()) {
			if (type.configName.equals(normalized)) {
				return type;
			}
		}
		throw new IllegalArgumentException("Unknown scheduler '" + name + "'; expected one of " + Arrays
			.stream(values())
			.map((type) -> "'" + type.configName + "'")
			.collect(Collectors.joining(", ")));
	}

	/**
	 * Whether jobs may choose it for a model that renders with {@code modelDefault}: every sampler, except that LCM
	 * is offered only for a model whose default is LCM (an LCM-distilled UNet; other UNets give noise with it).
	 * @param modelDefault the model's default sampler
	 */
	boolean offered(SchedulerType modelDefault) {
		return this != LCM || modelDefault == LCM;
	}

	/**
	 * How many noise tensors it draws after the initial latents: one per step for Euler ancestral (diffusers draws
	 * at every step), one per step but the last for LCM, none for the others.
	 * @param steps sampling steps
	 * @return the number of draws
	 */
	int noiseDraws(int steps) {
		return switch (this) {
			case EULER_ANCESTRAL -> steps;
			case LCM -> steps - 1;
			case PNDM, DDIM, EULER, DPM_PP_2M, DPM_PP_2M_KARRAS -> 0;
		};
	}

	/**
	 * Makes a scheduler for one render.
	 * @param schedule the model's noise schedule and timestep spacing
	 * @param steps sampling steps, 1 to the schedule's training steps
	 * @param prediction what the UNet predicts
	 * @param noise noise for ancestral steps (used by {@link #EULER_ANCESTRAL} only)
	 * @param manager where state kept across steps lives; close it after the render
	 * @return the scheduler
	 */
	Scheduler create(NoiseSchedule schedule, int steps, PredictionType prediction, NoiseSource noise,
			NDManager manager) {
		return switch (this) {
			case PNDM -> new PndmScheduler(schedule, steps, prediction, manager);
			case DDIM -> new DdimScheduler(schedule, steps, prediction, false);
			case EULER_ANCESTRAL -> new EulerScheduler(schedule, steps, prediction, false, true, noise);
			case EULER -> new EulerScheduler(schedule, steps, prediction, false, false, noise);
			case DPM_PP_2M -> new DpmSolverMultistepScheduler(schedule, steps, prediction, false, manager);
			case DPM_PP_2M_KARRAS -> new DpmSolverMultistepScheduler(schedule, steps, prediction, true, manager);
			case LCM -> new LcmScheduler(schedule, steps, prediction, noise);
		};
	}

}
