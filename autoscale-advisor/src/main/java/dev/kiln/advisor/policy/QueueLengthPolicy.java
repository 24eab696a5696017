package dev.kiln.advisor.policy;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import dev.kiln.contract.Lane;

/**
 * KEDA's rule, per lane: {@code ceil((visible + in flight) / target)} clamped to {@code [min, max]}; with nothing in
 * hand, the current replicas are kept until {@code cooldown} after the lane last had work, then {@code min}. Every
 * replica is of one configured capacity type: KEDA knows nothing of spot. The baseline.
 *
 * @param targetBacklogPerWorker jobs one replica is expected to hold
 * @param minReplicas fewest replicas per lane
 * @param maxReplicas most replicas per lane
 * @param cooldown how long an idle lane keeps its replicas (KEDA {@code cooldownPeriod})
 * @param capacity the capacity type of every replica
 */
public record QueueLengthPolicy(int targetBacklogPerWorker, int minReplicas, int maxReplicas, Duration cooldown,
		Capacity capacity) implements ScalingPolicy {

	/** The policy's name. */
	public static final String NAME = "queue-length";

	public QueueLengthPolicy {
		if (targetBacklogPerWorker < 1 || minReplicas < 0 || maxReplicas < Math.max(1, minReplicas)) {
			throw new IllegalArgumentException("Need target >= 1 and 0 <= min <= max, max >= 1; got target="
					+ targetBacklogPerWorker + ", min=" + minReplicas + ", max=" + maxReplicas);
		}
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Decision decide(Snapshot snapshot) {
		Map<Lane, Replicas> replicas = new EnumMap<>(Lane.class);
		for (LaneState lane : snapshot.lanes().values()) {
			replicas.put(lane.lane(), Replicas.of(this.capacity, replicasFor(lane, snapshot)));
		}
		return new Decision(NAME, replicas, 0, false, "ceil(backlog / " + this.targetBacklogPerWorker + ")");
	}

	int replicasFor(LaneState lane, Snapshot snapshot) {
		if (lane.hasWork()) {
			return Rules.clamp(Rules.ceilDiv(lane.backlog(), this.targetBacklogPerWorker), this.minReplicas,
					this.maxReplicas);
		}
		if (Rules.coolingDown(lane, snapshot.now(), this.cooldown)) {
			return Rules.clamp(lane.current().total(), this.minReplicas, this.maxReplicas);
		}
		return this.minReplicas;
	}

}
