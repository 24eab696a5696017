package dev.kiln.advisor.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.kiln.contract.Lane;

import static dev.kiln.advisor.policy.Fixtures.NOW;
import static dev.kiln.advisor.policy.Fixtures.lane;
import static dev.kiln.advisor.policy.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

class BatchWindowPolicyTests {

	private static final BatchWindowPolicy POLICY = new BatchWindowPolicy(Set.of(Lane.BATCH), 100,
			Duration.ofHours(4), 20, 0.25, 50, LocalTime.of(2, 0), Duration.ofMinutes(10), 10, 40, 2, 50,
			Duration.ofMinutes(5), Capacity.SPOT,
			new QueueLengthPolicy(1, 0, 10, Duration.ofMinutes(5), Capacity.ON_DEMAND));

	static Stream<Arguments> triggers() {
		return Stream.of(
				// queued, hours since last batch, spot price, time (UTC), expected GPUs
				Arguments.of(99, 1, 0.30, "12:00", 0), // no trigger
				Arguments.of(100, 1, 0.30, "12:00", 3), // queue >= 100: ceil(100 / 40)
				Arguments.of(19, 5, 0.30, "12:00", 0), // stale but too few
				Arguments.of(20, 5, 0.30, "12:00", 2), // stale and >= 20: clamped up to 2
				Arguments.of(49, 1, 0.20, "12:00", 0), // cheap spot but too few
				Arguments.of(50, 1, 0.20, "12:00", 2), // cheap spot and >= 50
				Arguments.of(10, 1, 0.30, "02:05", 2), // in the window and >= 10
				Arguments.of(10, 1, 0.30, "02:10", 0), // window over
				Arguments.of(5000, 1, 0.30, "12:00", 50)); // clamped to 50
	}

	@ParameterizedTest(name = "queued={0} sinceLast={1}h spot=${2} at {3} -> {4}")
	@MethodSource("triggers")
	void firesOnTheWan22Triggers(int queued, int hoursSinceLastBatch, double spot, String time, int expected) {
		Instant now = Instant.parse("2026-01-05T" + time + ":00Z");
		LaneState batch = new LaneState(Lane.BATCH, queued, 0, 0, List.of(), 0, Replicas.NONE, 0, 10, now,
				now.minus(Duration.ofHours(hoursSinceLastBatch)));
		Snapshot snapshot = new Snapshot(now, lanes(batch), Duration.ofMinutes(2), new Prices(1.0, spot),
				Spend.UNLIMITED);
		assertThat(POLICY.decide(snapshot).lane(Lane.BATCH)).isEqualTo(new Replicas(expected, 0));
	}

	@Test
	void aRunningBatchKeepsItsGpusUntilDrainedAndIdle() {
		Replicas running = new Replicas(3, 0);
		assertThat(POLICY.decide(snapshot(lane(Lane.BATCH, 0, 2, running, NOW))).lane(Lane.BATCH)).isEqualTo(running);
		assertThat(POLICY.decide(snapshot(lane(Lane.BATCH, 0, 0, running, NOW.minusSeconds(299)))).lane(Lane.BATCH))
			.isEqualTo(running);
		assertThat(POLICY.decide(snapshot(lane(Lane.BATCH, 0, 0, running, NOW.minusSeconds(300)))).lane(Lane.BATCH))
			.isEqualTo(Replicas.NONE);
	}

	@Test
	void otherLanesFollowQueueLength() {
		Decision decision = POLICY.decide(snapshot(lane(Lane.INTERACTIVE, 3, 0, Replicas.NONE, NOW)));
		assertThat(decision.lane(Lane.INTERACTIVE)).isEqualTo(new Replicas(0, 3));
	}

	private static Map<Lane, LaneState> lanes(@Nullable LaneState batch) {
		return Map.of(Lane.INTERACTIVE, LaneState.idle(Lane.INTERACTIVE, 10), Lane.STANDARD,
				LaneState.idle(Lane.STANDARD, 10), Lane.BATCH, batch);
	}

}
