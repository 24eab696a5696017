package dev.kiln.worker.job;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.Lane;

import static dev.kiln.contract.Lane.BATCH;
import static dev.kiln.contract.Lane.INTERACTIVE;
import static dev.kiln.contract.Lane.STANDARD;
import static org.assertj.core.api.Assertions.assertThat;

class LaneOrderTests {

	@Test
	void asksInteractiveThenStandardThenBatch() {
		assertThat(new LaneOrder(4).next()).containsExactly(INTERACTIVE, STANDARD, BATCH);
	}

	@Test
	void withEveryLaneFullALowerLaneGetsOneTurnAfterNHigherJobs() {
		List<Lane> taken = take(new LaneOrder(4), EnumSet.allOf(Lane.class), 12);
		assertThat(taken).containsExactly(INTERACTIVE, INTERACTIVE, INTERACTIVE, INTERACTIVE, STANDARD, BATCH,
				INTERACTIVE, INTERACTIVE, INTERACTIVE, INTERACTIVE, STANDARD, BATCH);
	}

	@Test
	void batchIsNotStarvedByStandardAlone() {
		List<Lane> taken = take(new LaneOrder(3), EnumSet.of(STANDARD, BATCH), 8);
		assertThat(taken).containsExactly(STANDARD, STANDARD, STANDARD, BATCH, STANDARD, STANDARD, STANDARD, BATCH);
	}

	@Test
	void interactiveComesFirstAgainAsSoonAsItHasWork() {
		LaneOrder order = new LaneOrder(4);
		take(order, EnumSet.of(BATCH), 3);
		assertThat(take(order, EnumSet.allOf(Lane.class), 2)).containsExactly(INTERACTIVE, INTERACTIVE);
	}

	@Test
	void aLaneThatWasOwedATurnButWasEmptyGoesBackInLine() {
		LaneOrder order = new LaneOrder(2);
		take(order, EnumSet.of(INTERACTIVE), 2);
		assertThat(order.next()).containsExactly(STANDARD, BATCH, INTERACTIVE);
		// standard is asked first and is empty; batch is owed the same and comes next, before interactive
		assertThat(take(order, EnumSet.of(INTERACTIVE, BATCH), 1)).containsExactly(BATCH);
		assertThat(order.next()).containsExactly(INTERACTIVE, STANDARD, BATCH);
	}

	/** Simulates a worker taking {@code jobs} jobs while the given lanes always have work. */
	private static List<Lane> take(LaneOrder order, Set<Lane> withWork, int jobs) {
		List<Lane> taken = new ArrayList<>();
		while (taken.size() < jobs) {
			for (Lane lane : order.next()) {
				if (withWork.contains(lane)) {
					order.took(lane);
					taken.add(lane);
					break;
				}
				order.empty(lane);
			}
		}
		return taken;
	}

}
