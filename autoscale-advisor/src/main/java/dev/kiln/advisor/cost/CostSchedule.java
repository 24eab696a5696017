package dev.kiln.advisor.cost;

import java.time.Duration;

import lombok.RequiredArgsConstructor;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

import dev.kiln.advisor.AdvisorProperties;

/**
 * Runs a {@link CostAttributor} round every {@code kiln.advisor.cost.scan-interval}, the first one interval after
 * start-up, taken from the bound {@link AdvisorProperties} so that the record holds the one default.
 */
@Configuration(proxyBeanMethods = false)
@RequiredArgsConstructor
class CostSchedule implements SchedulingConfigurer {

	private final CostAttributor attributor;

	private final AdvisorProperties properties;

	@Override
	public void configureTasks(ScheduledTaskRegistrar tasks) {
		Duration interval = this.properties.cost().scanInterval();
		tasks.addFixedDelayTask(new FixedDelayTask(this.attributor::scheduled, interval, interval));
	}

}
