package dev.kiln.advisor.policy;

import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.kiln.contract.Lane;

/**
 * The Wan2.2 batch design's rule on the windowed lanes (the batch lane by default): an idle lane starts a batch when
 * any trigger fires, with {@code ceil(queued / jobsPerGpu)} replicas clamped to {@code [minGpus, maxGpus]}, and keeps
 * them until the queue is drained and {@code idleShutdown} has passed. Triggers: at least {@code queueTrigger} queued;
 * {@code staleAfter} since the last batch and at least {@code staleMin} queued; the spot price below
 * {@code spotPriceBelow} and at least {@code spotMin} queued; inside the daily window starting at {@code windowStart}
 * (UTC) for {@code windowLength} and at least {@code windowMin} queued. The other lanes follow {@code others}: the
 * design has no interactive path.
 *
 * @param lanes the lanes run in batches
 * @param queueTrigger queued jobs that always start a batch
 * @param staleAfter time since the last batch after which {@code staleMin} jobs suffice
 * @param staleMin jobs that start a batch once {@code staleAfter} has passed
 * @param spotPriceBelow spot price (dollars per hour) under which {@code spotMin} jobs suffice
 * @param spotMin jobs that start a batch while spot is cheap
 * @param windowStart start of the daily off-peak window, UTC
 * @param windowLength length of the daily window
 * @param windowMin jobs that start a batch inside the window
 * @param jobsPerGpu jobs one GPU takes per batch
 * @param minGpus fewest replicas of a batch
 * @param maxGpus most replicas of a batch
 * @param idleShutdown how long a drained batch keeps its replicas
 * @param capacity the capacity type of batch replicas
 * @param others the rule for lanes not run in batches
 */
public record BatchWindowPolicy(Set<Lane> lanes, int queueTrigger, Duration staleAfter, int staleMin,
		double spotPriceBelow, int spotMin, LocalTime windowStart, Duration windowLength, int windowMin,
		int jobsPerGpu, int minGpus, int maxGpus, Duration idleShutdown, Capacity capacity, QueueLengthPolicy others)
		implements ScalingPolicy {

	/** The policy's name. */
	public static final String NAME = "batch-window";

	public BatchWindowPolicy {
		lanes = Set.copyOf(lanes);
		if (jobsPerGpu < 1 || minGpus < 1 || maxGpus < minGpus) {
			throw new IllegalArgumentException("Need jobsPerGpu >= 1 and 1 <= minGpus <= maxGpus; got jobsPerGpu="
					+ jobsPerGpu + ", minGpus=" + minGpus + ", maxGpus=" + maxGpus);
		}
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Decision decide(Snapshot snapshot) {
		Map<Lane, Replicas> replicas = new EnumMap<>(Lane.class);
		StringBuilder reason = new StringBuilder();
		for (LaneState lane : snapshot.lanes().values()) {
			if (!this.lanes.contains(lane.lane())) {
				replicas.put(lane.lane(), Replicas.of(this.others.capacity(), this.others.replicasFor(lane, snapshot)));
				continue;
			}
			int current = lane.current().total();
			if (current > 0) {
				boolean keep = lane.hasWork() || Rules.coolingDown(lane, snapshot.now(), this.idleShutdown);
				replicas.put(lane.lane(), keep ? Replicas.of(this.capacity, current) : Replicas.NONE);
				continue;
			}
			String trigger = trigger(lane, snapshot);
			if (trigger != null) {
				int gpus = Rules.clamp(Rules.ceilDiv(lane.backlog(), this.jobsPerGpu), this.minGpus, this.maxGpus);
				replicas.put(lane.lane(), Replicas.of(this.capacity, gpus));
				reason.append(lane.lane().wireName()).append(": ").append(trigger).append("; ");
			}
		}
		return new Decision(NAME, replicas, 0, false, reason.isEmpty() ? "no trigger" : reason.toString().trim());
	}

	/** The trigger that fires for an idle lane, or {@code null}. */
	@Nullable String trigger(LaneState lane, Snapshot snapshot) {
		long queued = lane.backlog();
		if (queued == 0) {
			return null;
		}
		if (queued >= this.queueTrigger) {
			return "queue >= " + this.queueTrigger;
		}
		boolean stale = lane.lastBatchAt() == null
				|| Duration.between(lane.lastBatchAt(), snapshot.now()).compareTo(this.staleAfter) >= 0;
		if (stale && queued >= this.staleMin) {
			return this.staleAfter + " since last batch and >= " + this.staleMin;
		}
		if (snapshot.prices().spotPerHour() < this.spotPriceBelow && queued >= this.spotMin) {
			return "spot < $" + this.spotPriceBelow + " and >= " + this.spotMin;
		}
		LocalTime time = LocalTime.ofInstant(snapshot.now(), ZoneOffset.UTC);
		Duration intoWindow = Duration.between(this.windowStart, time);
		if (!intoWindow.isNegative() && intoWindow.compareTo(this.windowLength) < 0 && queued >= this.windowMin) {
			return "window " + this.windowStart + " and >= " + this.windowMin;
		}
		return null;
	}

}
