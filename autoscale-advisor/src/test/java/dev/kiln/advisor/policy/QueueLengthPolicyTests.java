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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class QueueLengthPolicyTests {

	private static final QueueLengthPolicy POLICY = new QueueLengthPolicy(5, 0, 4, Duration.ofSeconds(300),
			Capacity.ON_DEMAND);

	static Stream<Arguments> cases() {
		return Stream.of(
				// visible, in flight, current, last work seconds ago, expected
				Arguments.of(0, 0, 0, -1, 0), // idle
				Arguments.of(1, 0, 0, 0, 1), // one job scales from zero
				Arguments.of(6, 4, 0, 0, 2), // ceil(10 / 5)
				Arguments.of(11, 0, 0, 0, 3), // rounded up
				Arguments.of(100, 0, 0, 0, 4), // clamped to max
				Arguments.of(0, 0, 3, 100, 3), // cooling down keeps replicas
				Arguments.of(0, 0, 3, 300, 0)); // cooldown over
	}

	@ParameterizedTest(name = "visible={0} inFlight={1} current={2} lastWork={3}s ago -> {4}")
	@MethodSource("cases")
	void followsKedasRule(int visible, int inFlight, int current, int lastWorkSecondsAgo, int expected) {
		LaneState standard = lane(Lane.STANDARD, visible, inFlight, new Replicas(0, current),
				(lastWorkSecondsAgo < 0) ? null : NOW.minusSeconds(lastWorkSecondsAgo));
		Decision decision = POLICY.decide(snapshot(standard));
		assertThat(decision.lane(Lane.STANDARD)).isEqualTo(new Replicas(0, expected));
		assertThat(decision.active()).isEqualTo(expected > 0);
	}

	@Test
	void eachLaneScalesOnItsOwnBacklog() {
		Decision decision = POLICY.decide(snapshot(lane(Lane.INTERACTIVE, 1, 0, Replicas.NONE, NOW),
				lane(Lane.BATCH, 20, 0, Replicas.NONE, NOW)));
		assertThat(decision.lane(Lane.INTERACTIVE).total()).isEqualTo(1);
		assertThat(decision.lane(Lane.STANDARD).total()).isZero();
		assertThat(decision.lane(Lane.BATCH).total()).isEqualTo(4);
	}

	@Test
	void minimumHoldsWhenIdle() {
		QueueLengthPolicy policy = new QueueLengthPolicy(1, 2, 4, Duration.ZERO, Capacity.SPOT);
		assertThat(policy.decide(snapshot()).lane(Lane.BATCH)).isEqualTo(new Replicas(2, 0));
	}

	@Test
	void refusesAnEmptyRange() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new QueueLengthPolicy(1, 5, 4, Duration.ZERO, Capacity.SPOT));
	}

}
