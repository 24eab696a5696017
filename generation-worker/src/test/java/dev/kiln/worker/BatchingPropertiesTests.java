package dev.kiln.worker;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code kiln.worker.batching}: its defaults, and a bad wait stops start-up with a message naming it. */
class BatchingPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class)
		.withPropertyValues("kiln.worker.model-cache=/tmp/models", "kiln.worker.models.m.type=builtin",
				"kiln.worker.models.m.location=file:/tmp/models/m");

	@Test
	void batchesByDefaultWaitingAtMost20Milliseconds() {
		this.runner.run((context) -> {
			WorkerProperties.Batching batching = context.getBean(WorkerProperties.class).batching();
			assertThat(batching.enabled()).isTrue();
			assertThat(batching.maxWait()).isEqualTo(Duration.ofMillis(20));
			assertThat(batching.cpu()).as("GPUs are what batching is for").isFalse();
		});
	}

	@Test
	void bindsAnotherWaitAndTurnsOff() {
		this.runner.withPropertyValues("kiln.worker.batching.enabled=false", "kiln.worker.batching.max-wait=50ms")
			.run((context) -> {
				WorkerProperties.Batching batching = context.getBean(WorkerProperties.class).batching();
				assertThat(batching.enabled()).isFalse();
				assertThat(batching.maxWait()).isEqualTo(Duration.ofMillis(50));
			});
	}

	@Test
	void rejectsAWaitLongerThanASecond() {
		this.runner.withPropertyValues("kiln.worker.batching.max-wait=2s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("max-wait must be from 0 to 1s"));
	}

	@Test
	void rejectsANegativeWait() {
		this.runner.withPropertyValues("kiln.worker.batching.max-wait=-5ms")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("max-wait must be from 0 to 1s"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WorkerProperties.class)
	static class Config {

	}

}
