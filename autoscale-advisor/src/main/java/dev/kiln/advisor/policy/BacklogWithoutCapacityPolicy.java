package dev.kiln.advisor.policy;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import dev.kiln.contract.Lane;

/**
 * SageMaker asynchronous inference's rule, per lane: a lane with no replicas and a backlog gets exactly one (the
 * {@code HasBacklogWithoutCapacity} step policy); a lane with replicas tracks {@code target} jobs per replica
 * ({@code ApproximateBacklogSizePerInstance}), at least one while work is in hand; with nothing in hand, replicas are
 * kept until {@code cooldown} after the lane last had work, then zero.
 *
 * @param targetBacklogPerInstance jobs one replica is expected to hold
 * @param maxReplicas most replicas per lane
 * @param cooldown how long an idle lane keeps its replicas
 * @param capacity the capacity type of every replica
 */
public record BacklogWithoutCapacityPolicy(int targetBacklogPerInstance, int maxReplicas, Duration cooldown,
		Capacity capacity) implements ScalingPolicy {

	/** The policy's name. */
	public static final String NAME = "backlog-without-capacity";

	public BacklogWithoutCapacityPolicy {
		if (targetBacklogPerInstance < 1 || maxReplicas < 1) {
			throw new IllegalArgumentException("Need target >= 1 and max >= 1; got target=" + targetBacklogPerInstance
					+ ", max=" + maxReplicas);
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
		return new Decision(NAME, replicas, 0, false, "backlog per instance " + this.targetBacklogPerInstance);
	}

	private int replicasFor(LaneState lane, Snapshot snapshot) {
		int current = lane.current().total();
		if (lane.hasWork()) {
			if (current == 0) {
				return 1;
			}
			return Rules.clamp(Rules.ceilDiv(lane.backlog(), this.targetBacklogPerInstance), 1, this.maxReplicas);
		}
		if (current > 0 && Rules.coolingDown(lane, snapshot.now(), this.cooldown)) {
			return Math.min(current, this.maxReplicas);
		}
		return 0;
	}

}
