package dev.kiln.chaos;

import java.time.Duration;
import java.util.Properties;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.kiln.chaos.FaultInjector.Kind;
import dev.kiln.chaos.FaultInjector.Scheduled;

import static org.assertj.core.api.Assertions.assertThat;

class FaultInjectorTests {

	private static final ChaosOptions OPTIONS = ChaosOptions.from(new Properties());

	@Test
	void theScheduleHasEveryFaultOnceInsideTheWindowInOrder() {
		var schedule = FaultInjector.schedule(OPTIONS, new Random(8));
		assertThat(schedule).hasSize(OPTIONS.faults());
		assertThat(schedule).filteredOn((fault) -> fault.kind() == Kind.SIGKILL).hasSize(OPTIONS.sigkills());
		assertThat(schedule).filteredOn((fault) -> fault.kind() == Kind.SQS_RESTART).hasSize(OPTIONS.sqsRestarts());
		assertThat(schedule).extracting(Scheduled::offset)
			.isSorted()
			.allSatisfy((offset) -> assertThat(offset).isBetween(Duration.ofSeconds(2), OPTIONS.faultWindow()));
	}

	@Test
	void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
		assertThat(FaultInjector.schedule(OPTIONS, new Random(8)))
			.isEqualTo(FaultInjector.schedule(OPTIONS, new Random(8)))
			.isNotEqualTo(FaultInjector.schedule(OPTIONS, new Random(9)));
	}

}
