package dev.kiln.advisor.cost;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;

import dev.kiln.advisor.AdvisorProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.atLeast;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;

class CostScheduleTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class, CostSchedule.class)
		.withBean(CostAttributor.class, () -> mock(CostAttributor.class));

	@Test
	void theConfiguredScanIntervalIsTheScheduledDelayAndTheFirstWait() {
		this.runner.withPropertyValues("kiln.advisor.cost.scan-interval=150ms").run((context) -> {
			assertThat(context.getBean(ScheduledTaskHolder.class).getScheduledTasks()).map(ScheduledTask::getTask)
				.singleElement()
				.isInstanceOfSatisfying(FixedDelayTask.class, (task) -> {
					assertThat(task.getIntervalDuration()).isEqualTo(Duration.ofMillis(150));
					assertThat(task.getInitialDelayDuration()).isEqualTo(Duration.ofMillis(150));
				});
			verify(context.getBean(CostAttributor.class), timeout(5000).atLeast(2)).scheduled();
		});
	}

	@Test
	void withoutThePropertyTheRecordsDefaultApplies() {
		this.runner.run((context) -> assertThat(context.getBean(ScheduledTaskHolder.class).getScheduledTasks())
			.map(ScheduledTask::getTask)
			.singleElement()
			.isInstanceOfSatisfying(FixedDelayTask.class,
					(task) -> assertThat(task.getIntervalDuration()).isEqualTo(Duration.ofSeconds(10))));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(AdvisorProperties.class)
	@EnableScheduling
	static class Config {

	}

}
