package dev.kiln.support.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Kiln's counters, registered one way in every service: named under {@value #PREFIX}, always with a description
 * (Prometheus' {@code # HELP} line, which the dashboards and alert rules are read beside), tags given as key/value
 * pairs. Registering an existing counter again returns it, so a counter with per-call tags may be registered where it
 * is incremented.
 */
public final class Meters {

	/** The prefix of every Kiln meter's name ({@code kiln_} in Prometheus). */
	public static final String PREFIX = "kiln.";

	private Meters() {
	}

	/**
	 * The counter of that name and tags, registered on first use.
	 * @param registry where the counter is registered
	 * @param name its name, under {@value #PREFIX}
	 * @param description what it counts
	 * @param tags tag keys and values, alternating
	 * @return the counter
	 * @throws IllegalArgumentException for a name outside {@value #PREFIX}, a blank description or an odd number of
	 * tag strings
	 */
	public static Counter counter(MeterRegistry registry, String name, String description, String... tags) {
		if (!name.startsWith(PREFIX)) {
			throw new IllegalArgumentException("Kiln's meters are named under '" + PREFIX + "': " + name);
		}
		if (description.isBlank()) {
			throw new IllegalArgumentException("The counter " + name + " needs a description");
		}
		return Counter.builder(name).description(description).tags(Tags.of(tags)).register(registry);
	}

}
