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
	EULER_ANCESTRAL("euler-ancestral");

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
	 * @param name {@code pndm}, {@code ddim} or {@code euler-ancestral}
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
	 * Makes a scheduler for one render.
	 * @param steps sampling steps, 1 to {@value NoiseSchedule#TRAINING_STEPS}
	 * @param prediction what the UNet predicts
	 * @param noise noise for ancestral steps (used by {@link #EULER_ANCESTRAL} only)
	 * @param manager where state kept across steps lives; close it after the render
	 * @return the scheduler
	 */
	Scheduler create(int steps, PredictionType prediction, NoiseSource noise, NDManager manager) {
		return switch (this) {
			case PNDM -> new PndmScheduler(steps, prediction, manager);
			case DDIM -> new DdimScheduler(steps, prediction);
			case EULER_ANCESTRAL -> new EulerAncestralScheduler(steps, prediction, noise);
		};
	}

}
