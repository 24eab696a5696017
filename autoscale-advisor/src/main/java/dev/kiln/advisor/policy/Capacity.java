package dev.kiln.advisor.policy;

import java.util.Locale;

/** How a GPU node is bought. */
public enum Capacity {

	/** Spare capacity at a discount, reclaimed with a two-minute notice. */
	SPOT,

	/** Full price, never reclaimed. */
	ON_DEMAND;

	/** The name used in metrics and JSON: {@code spot} or {@code on-demand}. */
	public String wireName() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
