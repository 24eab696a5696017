package dev.kiln.advisor.policy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.Lane;

import static dev.kiln.advisor.policy.Fixtures.NOW;
import static dev.kiln.advisor.policy.Fixtures.lane;
import static dev.kiln.advisor.policy.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

class SpendCapTests {

	private static final QueueLengthPolicy QUEUE_LENGTH = new QueueLengthPolicy(1, 0, 10, Duration.ofMinutes(5),
			Capacity.ON_DEMAND);

	private final SpendCap cap = new SpendCap(QUEUE_LENGTH, Duration.ofHours(1), true);

	@Test
	void belowTheBudgetDecisionsPassUnchanged() {
		Snapshot snapshot = snapshot(new Spend(10, 10, 100, 1000), 0.3,
				lane(Lane.BATCH, 5, 0, new Replicas(0, 2), NOW));
		Decision decision = this.cap.decide(snapshot);
		assertThat(decision.lane(Lane.BATCH).total()).isEqualTo(5);
		assertThat(decision.spendCapped()).isFalse();
	}

	@Test
	void projectedSpendAtTheDailyBudgetBlocksScaleOut() {
		// $98 spent + 2 on-demand replicas x $1/h x 1 h projected = $100
		Snapshot snapshot = snapshot(new Spend(98, 98, 100, 1000), 0.3,
				lane(Lane.BATCH, 5, 0, new Replicas(0, 2), NOW));
		Decision decision = this.cap.decide(snapshot);
		assertThat(decision.lane(Lane.BATCH)).isEqualTo(new Replicas(0, 2));
		assertThat(decision.spendCapped()).isTrue();
	}

	@Test
	void theMonthlyBudgetCapsToo() {
		Snapshot snapshot = snapshot(new Spend(0, 1000, 100, 1000), 0.3, lane(Lane.BATCH, 5, 0, Replicas.NONE, NOW));
		assertThat(this.cap.decide(snapshot).lane(Lane.BATCH)).isEqualTo(Replicas.NONE);
	}

	@Test
	void scaleInIsAllowedAtTheCap() {
		Snapshot snapshot = snapshot(new Spend(100, 100, 100, 1000), 0.3,
				lane(Lane.BATCH, 1, 0, new Replicas(0, 4), NOW));
		assertThat(this.cap.decide(snapshot).lane(Lane.BATCH)).isEqualTo(new Replicas(0, 1));
	}

	@Test
	void theInteractiveLaneMayBeExempted() {
		Snapshot snapshot = snapshot(new Spend(100, 100, 100, 1000), 0.3,
				lane(Lane.INTERACTIVE, 3, 0, Replicas.NONE, NOW), lane(Lane.BATCH, 3, 0, Replicas.NONE, NOW));
		Decision exempt = this.cap.decide(snapshot);
		assertThat(exempt.lane(Lane.INTERACTIVE).total()).isEqualTo(3);
		assertThat(exempt.lane(Lane.BATCH).total()).isZero();
		Decision notExempt = new SpendCap(QUEUE_LENGTH, Duration.ofHours(1), false).decide(snapshot);
		assertThat(notExempt.lane(Lane.INTERACTIVE).total()).isZero();
	}

}
