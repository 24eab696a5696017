package dev.kiln.advisor;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

/**
 * For the tests of the advisor's {@code SchedulingConfigurer}s ({@code ScalingSchedule}, {@code CostSchedule}): a
 * context with the bound, validated {@link AdvisorProperties} and scheduling on, and its one scheduled task.
 */
public final class ScheduleFixture {

	private ScheduleFixture() {
	}

	/** A runner of the given schedule configuration; add its target bean with {@code withBean}. */
	public static ApplicationContextRunner runner(Class<?> schedule) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
			.withUserConfiguration(Scheduling.class, schedule);
	}

	/** The context's only scheduled task, which must be a fixed-delay one. */
	public static FixedDelayTask onlyTask(ApplicationContext context) {
		return assertThat(context.getBean(ScheduledTaskHolder.class).getScheduledTasks()).map(ScheduledTask::getTask)
			.singleElement()
			.asInstanceOf(type(FixedDelayTask.class))
			.actual();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(AdvisorProperties.class)
	@EnableScheduling
	static class Scheduling {

	}

}
