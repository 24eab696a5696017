package dev.kiln.contract;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A priority lane. Each lane has its own jobs queue and dead-letter queue; workers take work in the declared order.
 */
public enum Lane {

	/** A person is waiting for the image: scale from zero at once. */
	INTERACTIVE,

	/** The default lane. */
	STANDARD,

	/** Cheap bulk work that may wait until its deadline allows. */
	BATCH;

	/** The lower-case name used on the wire, in queue names and in Redis keys. */
	@JsonValue
	public String wireName() {
		return name().toLowerCase(Locale.ROOT);
	}

	/**
	 * Parses a wire name, case-insensitively.
	 * @param value the wire name
	 * @return the lane
	 * @throws IllegalArgumentException when no lane has that name
	 */
	@JsonCreator
	public static Lane fromWireName(String value) {
		for (Lane lane : values()) {
			if (lane.wireName().equalsIgnoreCase(value)) {
				return lane;
			}
		}
		throw new IllegalArgumentException("Unknown lane '" + value + "'; expected one of interactive, standard, batch");
	}

}
