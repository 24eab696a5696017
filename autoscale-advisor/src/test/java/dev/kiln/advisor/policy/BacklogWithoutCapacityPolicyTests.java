package dev.kiln.advisor.policy;

import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.kiln.contract.Lane;

import static dev.kiln.advisor.policy.Fixtures.NOW;
import static dev.kiln.advisor.policy.Fixtures.lane;
import static dev.kiln.advisor.policy.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

class BacklogWithoutCapacityPolicyTests {

	private static final BacklogWithoutCapacityPolicy POLICY = new BacklogWithoutCapacityPolicy(5, 4,
			Duration.ofSeconds(300), Capacity.ON_DEMAND);

	static Stream<Arguments> cases() {
		return Stream.of(
				// visible, in flight, current, last work seconds ago, expected
				Arguments.of(0, 0, 0, -1, 0), // idle
				Arguments.of(50, 0, 0, 0, 1), // backlog without capacity: exactly one
				Arguments.of(50, 0, 1, 0, 4), // then target tracking, clamped
				Arguments.of(7, 3, 1, 0, 2), // ceil(10 / 5)
				Arguments.of(1, 0, 3, 0, 1), // at least one while work in hand
				Arguments.of(0, 0, 2, 60, 2), // cooling down
				Arguments.of(0, 0, 2, 301, 0)); // back to zero
	}

	@ParameterizedTest(name = "visible={0} inFlight={1} current={2} lastWork={3}s ago -> {4}")
	@MethodSource("cases")
	void followsSageMakersRule(int visible, int inFlight, int current, int lastWorkSecondsAgo, int expected) {
		LaneState batch = lane(Lane.BATCH, visible, inFlight, new Replicas(0, current),
				(lastWorkSecondsAgo < 0) ? null : NOW.minusSeconds(lastWorkSecondsAgo));
		assertThat(POLICY.decide(snapshot(batch)).lane(Lane.BATCH)).isEqualTo(new Replicas(0, expected));
	}

}
