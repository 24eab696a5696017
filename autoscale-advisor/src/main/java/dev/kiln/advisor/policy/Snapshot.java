package dev.kiln.advisor.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import dev.kiln.contract.Lane;

/**
 * The inputs of one decision. Policies read nothing else, so the live advisor and the simulator run the same code.
 *
 * @param now the decision time
 * @param lanes every lane's state
 * @param coldStart expected time from asking for a replica to it taking work
 * @param prices prices of one replica now
 * @param spend spend so far and budgets
 */
public record Snapshot(Instant now, Map<Lane, LaneState> lanes, Duration coldStart, Prices prices, Spend spend) {

	public Snapshot {
		EnumMap<Lane, LaneState> copy = new EnumMap<>(Lane.class);
		copy.putAll(lanes);
		for (Lane lane : Lane.values()) {
			if (!copy.containsKey(lane)) {
				throw new IllegalArgumentException("Snapshot lacks lane " + lane.wireName());
			}
		}
		lanes = Collections.unmodifiableMap(copy);
	}

	/** One lane's state. */
	public LaneState lane(Lane lane) {
		return this.lanes.get(lane);
	}

	/** Dollars per hour of all replicas running now. */
	public double spendRatePerHour() {
		return this.lanes.values().stream().mapToDouble((lane) -> lane.current().dollarsPerHour(this.prices)).sum();
	}

}
