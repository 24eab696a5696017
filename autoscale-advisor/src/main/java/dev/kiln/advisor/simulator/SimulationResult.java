package dev.kiln.advisor.simulator;

import java.util.List;
import java.util.Map;

import dev.kiln.advisor.cost.CostModel;
import dev.kiln.contract.Lane;

/**
 * What one policy did to one trace.
 *
 * @param policy the policy's name
 * @param trace the trace's name
 * @param jobs jobs in the trace
 * @param cost dollars paid for GPU replicas
 * @param gpuHours replica hours paid for
 * @param spotGpuHours of which on spot
 * @param idleGpuHours replica hours paid for without rendering (cold start, idle, cooldown)
 * @param waits per lane: wait from submission to first render start, in seconds, sorted
 * @param misses per lane: jobs finished after their deadline or not at all
 * @param scaleEvents changes of a lane's desired replicas
 * @param interruptions spot replicas reclaimed
 * @param series time series of waiting jobs and running replicas
 */
public record SimulationResult(String policy, String trace, int jobs, double cost, double gpuHours,
		double spotGpuHours, double idleGpuHours, Map<Lane, List<Double>> waits, Map<Lane, Integer> misses,
		int scaleEvents, int interruptions, List<Sample> series) {

	/**
	 * One point of the time series.
	 *
	 * @param hours hours after the trace start
	 * @param waiting jobs waiting, all lanes
	 * @param replicas replicas paid for (starting or running), all lanes
	 */
	public record Sample(double hours, int waiting, int replicas) {
	}

	/** A wait percentile of one lane in seconds, {@code NaN} if the lane had no jobs. */
	public double waitPercentile(Lane lane, double percentile) {
		List<Double> sorted = this.waits.get(lane);
		if (sorted == null || sorted.isEmpty()) {
			return Double.NaN;
		}
		int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
		return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
	}

	/** GPU dollars per million images, by the cost model's arithmetic ({@link CostModel#perMillion}). */
	public double perMillion() {
		return CostModel.perMillion(this.cost, this.jobs);
	}

	/** Deadline misses over all lanes. */
	public int totalMisses() {
		return this.misses.values().stream().mapToInt(Integer::intValue).sum();
	}

}
