package dev.kiln.advisor.scaling;

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

class ScalingScheduleTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class, ScalingSchedule.class)
		.withBean(ScalingAdvisor.class, () -> mock(ScalingAdvisor.class));

	@Test
	void theConfiguredPollIntervalIsTheScheduledDelay() {
		this.runner.withPropertyValues("kiln.advisor.poll-interval=150ms").run((context) -> {
			assertThat(context.getBean(ScheduledTaskHolder.class).getScheduledTasks()).map(ScheduledTask::getTask)
				.singleElement()
				.isInstanceOfSatisfying(FixedDelayTask.class, (task) -> {
					assertThat(task.getIntervalDuration()).isEqualTo(Duration.ofMillis(150));
					assertThat(task.getInitialDelayDuration()).isZero();
				});
			// the first poll at start-up and at least two more 150 ms apart
			verify(context.getBean(ScalingAdvisor.class), timeout(5000).atLeast(3)).poll();
		});
	}

	@Test
	void withoutThePropertyTheRecordsDefaultApplies() {
		this.runner.run((context) -> assertThat(context.getBean(ScheduledTaskHolder.class).getScheduledTasks())
			.map(ScheduledTask::getTask)
			.singleElement()
			.isInstanceOfSatisfying(FixedDelayTask.class,
					(task) -> assertThat(task.getIntervalDuration()).isEqualTo(Duration.ofSeconds(1))));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(AdvisorProperties.class)
	@EnableScheduling
	static class Config {

	}

}
