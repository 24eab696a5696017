package dev.kiln.advisor.scaling;

import lombok.RequiredArgsConstructor;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

import dev.kiln.advisor.AdvisorProperties;

/**
 * Polls the {@link ScalingAdvisor} every {@code kiln.advisor.poll-interval}, taken from the bound
 * {@link AdvisorProperties} so that the record holds the one default (no second default in a placeholder). The
 * first poll runs at start-up.
 */
@Configuration(proxyBeanMethods = false)
@RequiredArgsConstructor
class ScalingSchedule implements SchedulingConfigurer {

	private final ScalingAdvisor advisor;

	private final AdvisorProperties properties;

	@Override
	public void configureTasks(ScheduledTaskRegistrar tasks) {
		tasks.addFixedDelayTask(this.advisor::poll, this.properties.pollInterval());
	}

}
