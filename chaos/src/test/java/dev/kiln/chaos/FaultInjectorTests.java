package dev.kiln.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.kiln.chaos.FaultInjector.Fault;
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

	@Test
	void aFaultReadsAsALineOfTheFaultLog() {
		assertThat(new Fault(Instant.parse("2026-12-01T23:00:00Z"), Kind.REDIS_RESTART, "redis", "down 812 ms"))
			.hasToString("2026-12-01T23:00:00Z REDIS_RESTART redis (down 812 ms)");
	}

}
