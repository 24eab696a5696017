package dev.kiln.advisor.policy;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import dev.kiln.contract.Lane;

/**
 * What a policy asks for.
 *
 * @param policy the policy that decided
 * @param replicas desired replicas per lane and capacity type
 * @param prewarm replicas of a low-priority placeholder deployment that keeps GPU nodes ready for predicted demand
 * @param spendCapped whether the spend cap held scale-out back
 * @param reason a short human-readable account of the decision
 */
public record Decision(String policy, Map<Lane, Replicas> replicas, int prewarm, boolean spendCapped, String reason) {

	public Decision {
		EnumMap<Lane, Replicas> copy = new EnumMap<>(Lane.class);
		for (Lane lane : Lane.values()) {
			copy.put(lane, replicas.getOrDefault(lane, Replicas.NONE));
		}
		replicas = Collections.unmodifiableMap(copy);
	}

	/** Desired replicas of one lane. */
	public Replicas lane(Lane lane) {
		return this.replicas.get(lane);
	}

	/** All desired replicas. */
	public int total() {
		return this.replicas.values().stream().mapToInt(Replicas::total).sum();
	}

	/** Whether any replica is wanted: KEDA's {@code IsActive}. */
	public boolean active() {
		return total() > 0;
	}

	/** The same decision with other replicas, flags and reason. */
	Decision with(Map<Lane, Replicas> replicas, boolean spendCapped, String reason) {
		return new Decision(this.policy, replicas, this.prewarm, spendCapped, reason);
	}

}
