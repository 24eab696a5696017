package dev.kiln.advisor.scaling;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.Lane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class QueueLengthPolicyTests {

	@Test
	void idleQueuesNeedNoWorkers() {
		assertThat(new QueueLengthPolicy(5, 0, 10).desiredWorkers(lanes(0, 0, 0, 0))).isZero();
	}

	@Test
	void oneWaitingJobScalesFromZero() {
		assertThat(new QueueLengthPolicy(5, 0, 10).desiredWorkers(lanes(1, 0, 0, 0))).isEqualTo(1);
	}

	@Test
	void backlogCountsVisibleAndInFlightAcrossLanesRoundedUp() {
		assertThat(new QueueLengthPolicy(5, 0, 10).desiredWorkers(lanes(3, 4, 2, 2))).isEqualTo(3);
	}

	@Test
	void delayedMessagesAreNotBacklog() {
		List<LaneDepth> lanes = List.of(new LaneDepth(Lane.BATCH, 0, 0, 50));
		assertThat(new QueueLengthPolicy(1, 0, 10).desiredWorkers(lanes)).isZero();
	}

	@Test
	void clampsToTheRange() {
		assertThat(new QueueLengthPolicy(1, 0, 4).desiredWorkers(lanes(100, 0, 0, 0))).isEqualTo(4);
		assertThat(new QueueLengthPolicy(1, 2, 4).desiredWorkers(lanes(0, 0, 0, 0))).isEqualTo(2);
	}

	@Test
	void refusesAnEmptyRange() {
		assertThatIllegalArgumentException().isThrownBy(() -> new QueueLengthPolicy(1, 5, 4));
	}

	private static List<LaneDepth> lanes(long interactive, long standardVisible, long standardInFlight, long batch) {
		return List.of(new LaneDepth(Lane.INTERACTIVE, interactive, 0, 0),
				new LaneDepth(Lane.STANDARD, standardVisible, standardInFlight, 0), new LaneDepth(Lane.BATCH, batch, 0, 0));
	}

}
