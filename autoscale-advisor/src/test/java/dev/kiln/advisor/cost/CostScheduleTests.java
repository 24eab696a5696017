package dev.kiln.advisor.cost;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.scheduling.config.FixedDelayTask;

import dev.kiln.advisor.ScheduleFixture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.atLeast;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;

class CostScheduleTests {

	private final ApplicationContextRunner runner = ScheduleFixture.runner(CostSchedule.class)
		.withBean(CostAttributor.class, () -> mock(CostAttributor.class));

	@Test
	void theConfiguredScanIntervalIsTheScheduledDelayAndTheFirstWait() {
		this.runner.withPropertyValues("kiln.advisor.cost.scan-interval=150ms").run((context) -> {
			FixedDelayTask task = ScheduleFixture.onlyTask(context);
			assertThat(task.getIntervalDuration()).isEqualTo(Duration.ofMillis(150));
			assertThat(task.getInitialDelayDuration()).isEqualTo(Duration.ofMillis(150));
			verify(context.getBean(CostAttributor.class), timeout(5000).atLeast(2)).scheduled();
		});
	}

	@Test
	void withoutThePropertyTheRecordsDefaultApplies() {
		this.runner.run((context) -> assertThat(ScheduleFixture.onlyTask(context).getIntervalDuration())
			.isEqualTo(Duration.ofSeconds(10)));
	}

}
