package dev.kiln.advisor.scaling;

import java.util.Collection;

/**
 * KEDA's own rule: {@code ceil((visible + in flight) / target)}, clamped to {@code [min, max]}. A pure function,
 * the baseline every other policy is compared with.
 */
final class QueueLengthPolicy {

	private final int targetBacklogPerWorker;

	private final int minWorkers;

	private final int maxWorkers;

	QueueLengthPolicy(int targetBacklogPerWorker, int minWorkers, int maxWorkers) {
		if (targetBacklogPerWorker < 1 || minWorkers < 0 || maxWorkers < minWorkers) {
			throw new IllegalArgumentException("Need target >= 1 and 0 <= min <= max; got target="
					+ targetBacklogPerWorker + ", min=" + minWorkers + ", max=" + maxWorkers);
		}
		this.targetBacklogPerWorker = targetBacklogPerWorker;
		this.minWorkers = minWorkers;
		this.maxWorkers = maxWorkers;
	}

	int desiredWorkers(Collection<LaneDepth> lanes) {
		long backlog = lanes.stream().mapToLong(LaneDepth::backlog).sum();
		long needed = (backlog + this.targetBacklogPerWorker - 1) / this.targetBacklogPerWorker;
		return (int) Math.max(this.minWorkers, Math.min(this.maxWorkers, needed));
	}

}
