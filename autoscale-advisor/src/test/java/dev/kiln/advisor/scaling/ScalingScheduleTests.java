package dev.kiln.advisor.scaling;

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

class ScalingScheduleTests {

	private final ApplicationContextRunner runner = ScheduleFixture.runner(ScalingSchedule.class)
		.withBean(ScalingAdvisor.class, () -> mock(ScalingAdvisor.class));

	@Test
	void theConfiguredPollIntervalIsTheScheduledDelay() {
		this.runner.withPropertyValues("kiln.advisor.poll-interval=150ms").run((context) -> {
			FixedDelayTask task = ScheduleFixture.onlyTask(context);
			assertThat(task.getIntervalDuration()).isEqualTo(Duration.ofMillis(150));
			assertThat(task.getInitialDelayDuration()).isZero();
			// the first poll at start-up and at least two more 150 ms apart
			verify(context.getBean(ScalingAdvisor.class), timeout(5000).atLeast(3)).poll();
		});
	}

	@Test
	void withoutThePropertyTheRecordsDefaultApplies() {
		this.runner.run((context) -> assertThat(ScheduleFixture.onlyTask(context).getIntervalDuration())
			.isEqualTo(Duration.ofSeconds(1)));
	}

}
