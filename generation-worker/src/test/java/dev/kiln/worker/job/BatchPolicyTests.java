package dev.kiln.worker.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;

import static org.assertj.core.api.Assertions.assertThat;

/** The rule of dynamic batching: when a pass is filled, for how long, and when the interactive lane stops. */
class BatchPolicyTests {

	private static final Instant BEGAN = Instant.parse("2026-12-01T12:00:00Z");

	private final BatchPolicy policy = new BatchPolicy(true, Duration.ofMillis(20), false);

	@Test
	void fillsOnlyWhenTheRoundBeganWithABacklogAndThePassHasRoom() {
		assertThat(this.policy.fills(1, 8, 1)).as("a lone job on a quiet lane").isFalse();
		assertThat(this.policy.fills(2, 8, 2)).as("two jobs in hand: the lane has more waiting").isTrue();
		assertThat(this.policy.fills(8, 8, 8)).as("the pass is already full").isFalse();
		assertThat(this.policy.fills(3, 1, 1)).as("a model that renders one image per pass").isFalse();
	}

	@Test
	void neverFillsWhenDisabledOrWithoutAWait() {
		assertThat(new BatchPolicy(false, Duration.ofMillis(20), false).fills(8, 8, 2)).isFalse();
		assertThat(new BatchPolicy(true, Duration.ZERO, false).fills(8, 8, 2)).isFalse();
	}

	@Test
	void passesOnTheCpuAreFilledOnlyWhenAskedFor() {
		assertThat(this.policy.fillsOn("gpu(0)")).isTrue();
		assertThat(this.policy.fillsOn(null)).as("a model that names no device").isTrue();
		assertThat(this.policy.fillsOn("cpu()")).isFalse();
		assertThat(new BatchPolicy(true, Duration.ofMillis(20), true).fillsOn("cpu()")).isTrue();
	}

	@Test
	void theFillEndsAtTheWaitAfterTheRoundBegan() {
		Instant until = this.policy.until(BEGAN, List.of(job(Lane.STANDARD, null), job(Lane.STANDARD, null)));
		assertThat(until).isEqualTo(BEGAN.plusMillis(20));
		assertThat(this.policy.next(Lane.STANDARD, BEGAN.plusMillis(19), until, true, false))
			.isEqualTo(BatchPolicy.Step.POLL_AGAIN);
		assertThat(this.policy.next(Lane.STANDARD, BEGAN.plusMillis(20), until, false, false))
			.as("at the bound, even with the lane still answering").isEqualTo(BatchPolicy.Step.RENDER);
		assertThat(this.policy.next(Lane.BATCH, BEGAN.plusMillis(25), until, true, false))
			.isEqualTo(BatchPolicy.Step.RENDER);
	}

	@Test
	void theFillNeverRunsPastTheEarliestDeadlineOfAJobInThePass() {
		Instant soon = BEGAN.plusMillis(7);
		Instant until = this.policy.until(BEGAN,
				List.of(job(Lane.BATCH, BEGAN.plusSeconds(3600)), job(Lane.BATCH, soon), job(Lane.BATCH, null)));
		assertThat(until).isEqualTo(soon);
		assertThat(this.policy.next(Lane.BATCH, BEGAN.plusMillis(6), until, true, false))
			.isEqualTo(BatchPolicy.Step.POLL_AGAIN);
		assertThat(this.policy.next(Lane.BATCH, soon, until, false, false)).isEqualTo(BatchPolicy.Step.RENDER);
	}

	@Test
	void aJobWhoseDeadlineHasPassedIsRenderedWithoutFilling() {
		Instant until = this.policy.until(BEGAN, List.of(job(Lane.STANDARD, BEGAN.minusSeconds(1))));
		assertThat(this.policy.next(Lane.STANDARD, BEGAN, until, false, false)).isEqualTo(BatchPolicy.Step.RENDER);
	}

	@Test
	void aLaterDeadlineThanTheWaitDoesNotLengthenIt() {
		assertThat(this.policy.until(BEGAN, List.of(job(Lane.STANDARD, BEGAN.plusSeconds(60)))))
			.isEqualTo(BEGAN.plusMillis(20));
	}

	@Test
	void whileTheLaneAnswersTheFillReceivesAgainAtOnceOnEveryLane() {
		Instant until = BEGAN.plusMillis(20);
		for (Lane lane : Lane.values()) {
			assertThat(this.policy.next(lane, BEGAN.plusMillis(1), until, false, false)).as(lane.wireName())
				.isEqualTo(BatchPolicy.Step.RECEIVE);
		}
	}

	@Test
	void theInteractiveLaneNeverWaitsForJobsThatHaveNotArrived() {
		Instant until = BEGAN.plusMillis(20);
		assertThat(this.policy.next(Lane.INTERACTIVE, BEGAN.plusMillis(1), until, true, false))
			.isEqualTo(BatchPolicy.Step.RENDER);
		assertThat(this.policy.next(Lane.STANDARD, BEGAN.plusMillis(1), until, true, false))
			.isEqualTo(BatchPolicy.Step.POLL_AGAIN);
	}

	@Test
	void aFullPassRendersAtOnce() {
		assertThat(this.policy.next(Lane.BATCH, BEGAN, BEGAN.plusMillis(20), false, true))
			.isEqualTo(BatchPolicy.Step.RENDER);
	}

	private static JobMessage job(Lane lane, Instant deadline) {
		return new JobMessage(1, "job-" + System.nanoTime(), "acme", "m", "a fox", null, 64, 64, 3, 7.5, 1, 1, lane,
				BEGAN.minusSeconds(5), deadline);
	}

}
