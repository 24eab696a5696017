package dev.kiln.advisor.keda;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.kiln.advisor.policy.Capacity;
import dev.kiln.advisor.policy.Decision;
import dev.kiln.contract.Lane;

/**
 * Which number of a decision a ScaledObject scales on, from its trigger metadata: {@code lane} (one of interactive,
 * standard, batch) or {@code lanes} (a comma-separated list; both absent: all lanes), {@code capacity} (spot,
 * on-demand; absent: both), {@code signal} ({@code replicas}, the default, or {@code prewarm} for the placeholder
 * deployment). Other keys are ignored.
 *
 * @param lanes the lanes summed
 * @param capacity the capacity type, or {@code null} for both
 * @param prewarm whether this is the pre-warm signal
 */
record Selection(Set<Lane> lanes, @Nullable Capacity capacity, boolean prewarm) {

	Selection {
		lanes = lanes.isEmpty() ? EnumSet.allOf(Lane.class) : EnumSet.copyOf(lanes);
	}

	static Selection from(Map<String, String> metadata) {
		String signal = metadata.getOrDefault("signal", "replicas").trim().toLowerCase(Locale.ROOT);
		if (!signal.equals("replicas") && !signal.equals("prewarm")) {
			throw new IllegalArgumentException("signal must be 'replicas' or 'prewarm', got '" + signal + "'");
		}
		Set<Lane> lanes = EnumSet.noneOf(Lane.class);
		String names = metadata.containsKey("lane") ? metadata.get("lane") : metadata.get("lanes");
		if (names != null) {
			for (String name : names.split(",")) {
				if (!name.isBlank()) {
					lanes.add(Lane.fromWireName(name.trim()));
				}
			}
		}
		String capacity = metadata.get("capacity");
		Capacity parsed = null;
		if (capacity != null && !capacity.isBlank()) {
			parsed = switch (capacity.trim().toLowerCase(Locale.ROOT)) {
				case "spot" -> Capacity.SPOT;
				case "on-demand", "ondemand", "on_demand" -> Capacity.ON_DEMAND;
				default -> throw new IllegalArgumentException(
						"capacity must be 'spot' or 'on-demand', got '" + capacity + "'");
			};
		}
		return new Selection(lanes, parsed, signal.equals("prewarm"));
	}

	/** The metric name KEDA registers with the HPA. */
	String metricName() {
		if (this.prewarm) {
			return "kiln-prewarm";
		}
		String lanes = (this.lanes.size() == Lane.values().length) ? "all"
				: String.join("-", this.lanes.stream().map(Lane::wireName).toList());
		return "kiln-replicas-" + lanes + "-" + ((this.capacity != null) ? this.capacity.wireName() : "all");
	}

	/** The selected number of replicas in a decision. */
	int value(Decision decision) {
		if (this.prewarm) {
			return decision.prewarm();
		}
		int sum = 0;
		for (Lane lane : this.lanes) {
			sum += (this.capacity != null) ? decision.lane(lane).of(this.capacity) : decision.lane(lane).total();
		}
		return sum;
	}

}
