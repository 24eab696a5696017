package dev.kiln.advisor.policy;

import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.kiln.contract.Lane;

import static dev.kiln.advisor.policy.Fixtures.NOW;
import static dev.kiln.advisor.policy.Fixtures.lane;
import static dev.kiln.advisor.policy.Fixtures.snapshot;
import static dev.kiln.advisor.policy.Fixtures.waiting;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cold start 120 s, 10 s per job, margin 60 s, lookahead 15 s, plan 2 replicas; a spot interruption costs 130 s.
 */
class DeadlinePolicyTests {

	private static final DeadlinePolicy POLICY = new DeadlinePolicy(10, 2, 1, Duration.ofSeconds(60),
			Duration.ofSeconds(15), Duration.ofSeconds(300), Duration.ofSeconds(900), Duration.ofSeconds(90), true);

	static Stream<Arguments> waitingBatches() {
		return Stream.of(
				// jobs, due in seconds, expected spot, expected on-demand, expected prewarm
				Arguments.of(10, 8 * 3600, 0, 0, 0), // far deadline: held at zero
				Arguments.of(10, 420, 0, 0, 2), // still held, but nodes pre-warmed
				Arguments.of(10, 360, 2, 0, 0), // must start; 2 replicas leave room for an interruption
				Arguments.of(10, 240, 0, 2, 0), // must start; no room for an interruption: on-demand
				Arguments.of(5, 10, 0, 5, 0)); // all lost: one replica per job
	}

	@ParameterizedTest(name = "{0} jobs due in {1}s -> spot {2}, on-demand {3}, prewarm {4}")
	@MethodSource("waitingBatches")
	void holdsThenStartsTheFewestReplicasThatMeetEveryDeadline(int jobs, int dueSeconds, int spot, int onDemand,
			int prewarm) {
		Decision decision = POLICY.decide(snapshot(waiting(Lane.BATCH, jobs, Duration.ofSeconds(dueSeconds))));
		assertThat(decision.lane(Lane.BATCH)).isEqualTo(new Replicas(spot, onDemand));
		assertThat(decision.prewarm()).isEqualTo(prewarm);
	}

	@Test
	void interactiveScalesFromZeroAtOnce() {
		Decision decision = POLICY.decide(snapshot(waiting(Lane.INTERACTIVE, 1, Duration.ofHours(1))));
		assertThat(decision.lane(Lane.INTERACTIVE).total()).isEqualTo(1);
		assertThat(decision.active()).isTrue();
	}

	@Test
	void interactiveTracksItsBacklog() {
		Decision decision = POLICY.decide(snapshot(waiting(Lane.INTERACTIVE, 3, Duration.ofHours(1))));
		assertThat(decision.lane(Lane.INTERACTIVE).total()).isEqualTo(3);
	}

	@Test
	void aRunningLaneKeepsAReplicaWhileWorkIsInHand() {
		Replicas running = new Replicas(1, 0);
		LaneState standard = lane(Lane.STANDARD, 0, 1, running, NOW);
		assertThat(POLICY.decide(snapshot(standard)).lane(Lane.STANDARD)).isEqualTo(running);
	}

	@Test
	void scalesToZeroOnlyAfterTheCooldownWithNothingInHand() {
		Replicas running = new Replicas(2, 0);
		assertThat(POLICY.decide(snapshot(lane(Lane.BATCH, 0, 0, running, NOW.minusSeconds(299)))).lane(Lane.BATCH))
			.isEqualTo(running);
		assertThat(POLICY.decide(snapshot(lane(Lane.BATCH, 0, 0, running, NOW.minusSeconds(300)))).lane(Lane.BATCH))
			.isEqualTo(Replicas.NONE);
	}

	@Test
	void theInteractiveLaneKeepsOneReplicaWarmAfterTheCooldown() {
		Replicas running = new Replicas(0, 3);
		assertThat(POLICY.decide(snapshot(lane(Lane.INTERACTIVE, 0, 0, running, NOW.minusSeconds(200))))
			.lane(Lane.INTERACTIVE)).isEqualTo(running);
		assertThat(POLICY.decide(snapshot(lane(Lane.INTERACTIVE, 0, 0, running, NOW.minusSeconds(600))))
			.lane(Lane.INTERACTIVE)).isEqualTo(new Replicas(0, 1));
		assertThat(POLICY.decide(snapshot(lane(Lane.INTERACTIVE, 0, 0, running, NOW.minusSeconds(900))))
			.lane(Lane.INTERACTIVE)).isEqualTo(Replicas.NONE);
		// other lanes do not
		assertThat(POLICY.decide(snapshot(lane(Lane.STANDARD, 0, 0, running, NOW.minusSeconds(600))))
			.lane(Lane.STANDARD)).isEqualTo(Replicas.NONE);
	}

	@Test
	void withoutSpotEverythingIsOnDemand() {
		DeadlinePolicy policy = new DeadlinePolicy(10, 2, 1, Duration.ofSeconds(60), Duration.ofSeconds(15),
				Duration.ofSeconds(300), Duration.ofSeconds(900), Duration.ofSeconds(90), false);
		// without an interruption to allow for, the lane is held longer: 300 s is still early enough
		assertThat(policy.decide(snapshot(waiting(Lane.BATCH, 10, Duration.ofSeconds(300)))).lane(Lane.BATCH))
			.isEqualTo(Replicas.NONE);
		// 200 s: 120 s cold start + ceil(10 / 5) x 10 s = 140 s = 200 s - 60 s margin
		assertThat(policy.decide(snapshot(waiting(Lane.BATCH, 10, Duration.ofSeconds(200)))).lane(Lane.BATCH))
			.isEqualTo(new Replicas(0, 5));
	}

	@Test
	void splitKeepsRunningReplicasAndAddsThePreferredType() {
		assertThat(DeadlinePolicy.split(new Replicas(2, 0), 3, Capacity.ON_DEMAND)).isEqualTo(new Replicas(2, 1));
		assertThat(DeadlinePolicy.split(new Replicas(2, 2), 3, Capacity.ON_DEMAND)).isEqualTo(new Replicas(1, 2));
		assertThat(DeadlinePolicy.split(new Replicas(0, 1), 3, Capacity.SPOT)).isEqualTo(new Replicas(2, 1));
		assertThat(DeadlinePolicy.split(new Replicas(3, 0), 1, Capacity.SPOT)).isEqualTo(new Replicas(1, 0));
	}

}
