package dev.kiln.worker.render.sd;

import java.util.Locale;

/**
 * What a UNet predicts, named as in diffusers' {@code scheduler_config.json}: the noise ({@code epsilon}: SD 1.x,
 * SD 2.x base at 512²) or the velocity ({@code v_prediction}: SD 2.x at 768²).
 */
enum PredictionType {

	/** The UNet predicts the added noise ε. */
	EPSILON("epsilon"),

	/** The UNet predicts the velocity v = √ᾱ·ε − √(1−ᾱ)·x₀. */
	V_PREDICTION("v_prediction");

	private final String configName;

	PredictionType(String configName) {
		this.configName = configName;
	}

	/** The name in diffusers' configuration. */
	String configName() {
		return this.configName;
	}

	/**
	 * Parses a diffusers prediction type.
	 * @param name {@code epsilon} or {@code v_prediction}
	 * @return the type
	 * @throws IllegalArgumentException for any other name
	 */
	static PredictionType of(String name) {
		String normalized = name.trim().toLowerCase(Locale.ROOT);
		for (PredictionType type : values()) {
			if (type.configName.equals(normalized)) {
				return type;
			}
		}
		throw new IllegalArgumentException(
				"Unknown prediction type '" + name + "'; expected 'epsilon' or 'v_prediction'");
	}

}
