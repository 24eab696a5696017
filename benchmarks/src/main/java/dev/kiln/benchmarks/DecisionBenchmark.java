package dev.kiln.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kiln.advisor.policy.Capacity;
import dev.kiln.advisor.policy.DeadlinePolicy;
import dev.kiln.advisor.policy.LaneState;
import dev.kiln.advisor.policy.Prices;
import dev.kiln.advisor.policy.QueueLengthPolicy;
import dev.kiln.advisor.policy.QueuedJob;
import dev.kiln.advisor.policy.Replicas;
import dev.kiln.advisor.policy.ScalingPolicy;
import dev.kiln.advisor.policy.Snapshot;
import dev.kiln.advisor.policy.Spend;
import dev.kiln.contract.Lane;

/**
 * The advisor's decision as a pure function ({@code ScalingPolicy.decide(Snapshot)}) on synthetic snapshots with 10,
 * 10⁴ and 10⁶ queued jobs in the standard lane. As in the live advisor, a snapshot lists at most the oldest
 * {@code max-listed-jobs} (1,000) waiting jobs and counts the rest.
 */
final class DecisionBenchmark {

	static final int LISTED = 1000;

	/**
	 * Microseconds per decision, median of {@code samples}, per policy and queue length.
	 */
	Map<String, Map<Integer, Double>> run(List<Integer> sizes, int samples) {
		Map<String, ScalingPolicy> policies = new LinkedHashMap<>();
		policies.put("queue-length", new QueueLengthPolicy(1, 0, 10, Duration.ZERO, Capacity.ON_DEMAND));
		policies.put("deadline", new DeadlinePolicy(10, 2, 1, Duration.ofSeconds(120), Duration.ofSeconds(1),
				Duration.ZERO, Duration.ofMinutes(15), Duration.ofSeconds(90), true));
		Map<String, Map<Integer, Double>> result = new LinkedHashMap<>();
		for (Map.Entry<String, ScalingPolicy> policy : policies.entrySet()) {
			Map<Integer, Double> bySize = new LinkedHashMap<>();
			for (int size : sizes) {
				Snapshot snapshot = snapshot(size);
				long sink = 0;
				for (int i = 0; i < 2000; i++) {
					sink += policy.getValue().decide(snapshot).prewarm();
				}
				List<Double> times = new ArrayList<>();
				for (int i = 0; i < samples; i++) {
					long begin = System.nanoTime();
					sink += policy.getValue().decide(snapshot).prewarm();
					times.add((System.nanoTime() - begin) / 1e3);
				}
				if (sink == Long.MIN_VALUE) {
					throw new IllegalStateException();
				}
				bySize.put(size, Stats.of(times).p50());
			}
			result.put(policy.getKey(), bySize);
		}
		return result;
	}

	private static Snapshot snapshot(int queued) {
		Instant now = Instant.now();
		Map<Lane, LaneState> lanes = new EnumMap<>(Lane.class);
		for (Lane lane : Lane.values()) {
			int n = (lane == Lane.STANDARD) ? queued : 0;
			List<QueuedJob> waiting = new ArrayList<>();
			for (int i = 0; i < Math.min(n, LISTED); i++) {
				Instant submitted = now.minusSeconds(n - i);
				waiting.add(new QueuedJob(submitted, submitted.plus(Duration.ofMinutes(15))));
			}
			lanes.put(lane, new LaneState(lane, n, 0, 0, waiting, Math.max(0, n - LISTED), Replicas.NONE, 0, 1.5,
					null, null));
		}
		return new Snapshot(now, lanes, Duration.ofSeconds(150), new Prices(1.006, 0.352), Spend.UNLIMITED);
	}

}
