package dev.kiln.advisor.simulator;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * The simulated cluster's physics. See {@code SIMULATOR.md} for what each assumption stands for.
 *
 * @param coldStartMedian median time from asking for a replica to it taking work
 * @param coldStartSigma log-normal shape of the cold start
 * @param coldStartMin shortest possible cold start
 * @param spotInterruptionsPerHour rate at which a running spot replica is reclaimed
 * @param spotNotice warning before a reclaimed spot replica dies
 * @param onDemandPerHour on-demand price of one replica
 * @param spotDayPerHour spot price from 06:00 to 24:00 UTC
 * @param spotNightPerHour spot price from 00:00 to 06:00 UTC
 * @param sampleEvery time series resolution for the chart
 * @param horizonAfterTrace how long after the last arrival the simulation may run to finish work
 */
public record ClusterModel(Duration coldStartMedian, double coldStartSigma, Duration coldStartMin,
		double spotInterruptionsPerHour, Duration spotNotice, double onDemandPerHour, double spotDayPerHour,
		double spotNightPerHour, Duration sampleEvery, Duration horizonAfterTrace) {

	/**
	 * The defaults: cold start median 150 s (Karpenter GPU node, pre-pulled image, model load), spot reclaimed once
	 * per 20 running hours with a 2-minute notice, g5.xlarge prices.
	 */
	public static ClusterModel defaults() {
		return new ClusterModel(Duration.ofSeconds(150), 0.25, Duration.ofSeconds(60), 0.05, Duration.ofMinutes(2),
				1.006, 0.35, 0.22, Duration.ofMinutes(1), Duration.ofDays(2));
	}

	/** The spot price at an instant. */
	public double spotPerHour(Instant at) {
		int hour = at.atZone(ZoneOffset.UTC).getHour();
		return (hour < 6) ? this.spotNightPerHour : this.spotDayPerHour;
	}

}
