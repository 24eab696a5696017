package dev.kiln.advisor.scaling;

import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The advisor's latest view as JSON ({@code GET /v1/scaling}); KEDA's {@code metrics-api} scaler reads a value from
 * it with {@code valueLocation}, e.g. {@code desiredWorkers} or {@code lanes.batch.spot}.
 *
 * @param policy the policy that decided
 * @param desiredWorkers replicas wanted over all lanes and capacity types
 * @param active whether any replica is wanted
 * @param prewarm replicas of the low-priority placeholder that keeps GPU nodes ready
 * @param spendCapped whether the spend cap held scale-out back
 * @param reason a short account of the decision
 * @param lanes per lane: inputs and desired replicas
 * @param spend spend rate, spend so far and budgets
 * @param coldStartSeconds the cold start the decision assumed
 * @param coldStartSamples observed cold starts it was learned from
 * @param liveWorkers workers with a live heartbeat
 * @param busyWorkers of which rendering
 * @param sampledAt when the inputs were read
 */
public record ScalingDecision(String policy, int desiredWorkers, boolean active, int prewarm, boolean spendCapped,
		String reason, Map<String, LaneView> lanes, SpendView spend, double coldStartSeconds, int coldStartSamples,
		int liveWorkers, int busyWorkers, Instant sampledAt) {

	/**
	 * One lane.
	 *
	 * @param visible messages waiting in the queue
	 * @param inFlight messages being worked on
	 * @param delayed messages not yet visible
	 * @param queued jobs in the lane index
	 * @param renderSeconds render seconds per job assumed
	 * @param spot desired spot replicas
	 * @param onDemand desired on-demand replicas
	 * @param total desired replicas
	 */
	public record LaneView(long visible, long inFlight, long delayed, long queued, double renderSeconds, int spot,
			int onDemand, int total) {
	}

	/**
	 * Spend.
	 *
	 * @param ratePerHour dollars per hour of the replicas wanted
	 * @param today dollars since midnight UTC
	 * @param month dollars since the first of the month UTC
	 * @param dailyBudget the daily budget, {@code null} for none
	 * @param monthlyBudget the monthly budget, {@code null} for none
	 */
	public record SpendView(double ratePerHour, double today, double month, @Nullable Double dailyBudget,
			@Nullable Double monthlyBudget) {
	}

}
