package dev.kiln.queue;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.context.annotation.Configuration;

import dev.kiln.support.config.SharedProperties;
import dev.kiln.support.config.SharedPropertiesConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad configuration stops start-up with a message that names the property. */
class QueueServicePropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ValidationAutoConfiguration.class, SharedPropertiesConfiguration.class))
		.withUserConfiguration(Config.class);

	@Test
	void defaultsAreValid() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			QueueServiceProperties properties = context.getBean(QueueServiceProperties.class);
			assertThat(properties.queues().maxReceiveCount()).isEqualTo(3);
			assertThat(properties.provision()).isFalse();
		});
	}

	@Test
	void theQueueSettingsAndTheSharedPrefixShareTheirNamespace() {
		this.runner.withPropertyValues("kiln.queues.prefix=acme", "kiln.queues.max-receive-count=5").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(QueueServiceProperties.class).queues().maxReceiveCount()).isEqualTo(5);
			assertThat(context.getBean(SharedProperties.class).queues().prefix()).isEqualTo("acme");
		});
	}

	@Test
	void visibilityTimeoutAboveTheSqsLimitIsRefused() {
		this.runner.withPropertyValues("kiln.queues.visibility-timeout=13h")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("kiln.queues")
				.hasMessageContaining("visibility-timeout must be between 0 and 12h"));
	}

	@Test
	void invalidQueuePrefixIsRefused() {
		this.runner.withPropertyValues("kiln.queues.prefix=has spaces")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("kiln.queues.prefix")
				.hasMessageContaining("must be 1-40 letters"));
	}

	@Test
	void zeroMaxReceiveCountIsRefused() {
		this.runner.withPropertyValues("kiln.queues.max-receive-count=0")
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("maxReceiveCount"));
	}

	@Test
	void webhookBackoffLongerThanItsCapIsRefused() {
		this.runner.withPropertyValues("kiln.webhooks.initial-backoff=2h", "kiln.webhooks.max-backoff=1h")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("kiln.webhooks")
				.hasMessageContaining("initial-backoff must be positive and at most max-backoff"));
	}

	@Test
	void webhooksFollowTheStrictCallbackPolicyByDefault() {
		this.runner.run((context) -> assertThat(context.getBean(SharedProperties.class).callbacks().policy())
			.isEqualTo(dev.kiln.contract.CallbackUrlPolicy.strict()));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(QueueServiceProperties.class)
	static class Config {

	}

}
