package dev.kiln.advisor.scaling;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ColdStartEstimatorTests {

	private static final Instant T0 = Instant.parse("2026-01-05T12:00:00Z");

	@Test
	void startsAtTheConfiguredValue() {
		assertThat(new ColdStartEstimator(Duration.ofSeconds(150)).estimate()).isEqualTo(Duration.ofSeconds(150));
	}

	@Test
	void learnsFromScaleUpToFirstHeartbeat() {
		ColdStartEstimator estimator = new ColdStartEstimator(Duration.ofSeconds(100));
		estimator.workersSeen(List.of("old"), T0);
		estimator.scaledUp(T0, 1);
		estimator.workersSeen(List.of("old"), T0.plusSeconds(100));
		estimator.workersSeen(List.of("old", "new"), T0.plusSeconds(200));
		// 0.8 x 100 s + 0.2 x 200 s
		assertThat(estimator.estimate()).isEqualTo(Duration.ofSeconds(120));
		assertThat(estimator.samples()).isEqualTo(1);
	}

	@Test
	void workersAlreadyRunningAtStartUpAreNoSample() {
		ColdStartEstimator estimator = new ColdStartEstimator(Duration.ofSeconds(100));
		estimator.scaledUp(T0, 2);
		estimator.workersSeen(List.of("a", "b"), T0.plusSeconds(1));
		assertThat(estimator.samples()).isZero();
	}

	@Test
	void forgetsRequestsThatNeverGotAWorker() {
		ColdStartEstimator estimator = new ColdStartEstimator(Duration.ofSeconds(100));
		estimator.workersSeen(List.of(), T0);
		estimator.scaledUp(T0, 1);
		estimator.workersSeen(List.of("late"), T0.plusSeconds(401));
		assertThat(estimator.samples()).isZero();
		assertThat(estimator.estimate()).isEqualTo(Duration.ofSeconds(100));
	}

}
