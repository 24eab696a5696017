package dev.kiln.support.config;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SharedPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SharedPropertiesConfiguration.class));

	@Test
	void defaultsAreTheOnesEveryServiceUsedBefore() {
		this.runner.run((context) -> {
			SharedProperties shared = context.getBean(SharedProperties.class);
			assertThat(shared.queues().prefix()).isEqualTo("kiln");
			assertThat(shared.storage().bucket()).isEqualTo("kiln-images");
			assertThat(shared.retention()).isEqualTo(Duration.ofDays(7));
			assertThat(shared.callbacks().policy().allowHttp()).isFalse();
			assertThat(shared.callbacks().policy().allowPrivateNetworks()).isFalse();
		});
	}

	@Test
	void bindsTheSharedNames() {
		this.runner
			.withPropertyValues("kiln.queues.prefix=stage_2", "kiln.storage.bucket=other", "kiln.retention=2d",
					"kiln.callbacks.allow-http=true", "kiln.callbacks.allow-non-default-ports=true")
			.run((context) -> {
				SharedProperties shared = context.getBean(SharedProperties.class);
				assertThat(shared.queues().prefix()).isEqualTo("stage_2");
				assertThat(shared.storage().bucket()).isEqualTo("other");
				assertThat(shared.retention()).isEqualTo(Duration.ofDays(2));
				assertThat(shared.callbacks().allowHttp()).isTrue();
				assertThat(shared.callbacks().allowNonDefaultPorts()).isTrue();
				assertThat(shared.callbacks().allowPrivateNetworks()).isFalse();
			});
	}

	@Test
	void aQueuePrefixSqsWouldRejectStopsStartUpNamingTheProperty() {
		this.runner.withPropertyValues("kiln.queues.prefix=kiln.prod").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("kiln.queues.prefix")
				.hasMessageContaining("must be 1-40 letters, digits, '-' or '_'");
		});
	}

	@Test
	void aBlankBucketStopsStartUpNamingTheProperty() {
		this.runner.withPropertyValues("kiln.storage.bucket= ").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("kiln.storage.bucket");
		});
	}

	@Test
	void aRetentionUnderAMinuteStopsStartUp() {
		this.runner.withPropertyValues("kiln.retention=30s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("retention must be at least 1 minute");
		});
	}

}
