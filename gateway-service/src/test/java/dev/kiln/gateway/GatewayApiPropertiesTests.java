package dev.kiln.gateway;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad API settings stop the gateway at start-up with a message naming the setting. */
class GatewayApiPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class)
		.withPropertyValues("kiln.gateway.models.kiln-builtin.max-pixels=1048576",
				"kiln.gateway.models.kiln-builtin.max-steps=150", "kiln.gateway.models.kiln-builtin.max-batch=8");

	@Test
	void defaultsAreTheDocumentedOnes() {
		this.runner.run((context) -> {
			GatewayApiProperties properties = context.getBean(GatewayApiProperties.class);
			assertThat(properties.requests().maxBodySize()).isEqualTo(DataSize.ofKilobytes(64));
			assertThat(properties.requests().maxMetadataSize()).isEqualTo(DataSize.ofKilobytes(4));
			assertThat(properties.auth().anonymousTenant()).isNull();
			assertThat(properties.models().get("kiln-builtin").maxPixels()).isEqualTo(1048576);
			assertThat(properties.auth().keyCacheTtl()).isEqualTo(Duration.ofSeconds(5));
			assertThat(properties.sends().batch()).isTrue();
			assertThat(properties.sends().batchWindow()).isEqualTo(Duration.ofMillis(5));
			assertThat(properties.sends().maxBatchSize()).isEqualTo(10);
			assertThat(properties.sends().timeout()).isEqualTo(Duration.ofSeconds(10));
			assertThat(properties.workers().cacheTtl()).isEqualTo(Duration.ofSeconds(1));
		});
	}

	@Test
	void aNegativeWorkersCacheTtlFailsAtStartUp() {
		this.runner.withPropertyValues("kiln.gateway.workers.cache-ttl=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("workers.cache-ttl must be between 0 and 1m"));
	}

	@Test
	void aZeroKeyCacheTtlTurnsTheCacheOff() {
		this.runner.withPropertyValues("kiln.gateway.auth.key-cache-ttl=0")
			.run((context) -> assertThat(context.getBean(GatewayApiProperties.class).auth().keyCacheTtl()).isZero());
	}

	@Test
	void aNegativeKeyCacheTtlFailsAtStartUp() {
		this.runner.withPropertyValues("kiln.gateway.auth.key-cache-ttl=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("key-cache-ttl must be between 0 (no cache) and 10m"));
	}

	@Test
	void aZeroBatchWindowFailsAtStartUp() {
		this.runner.withPropertyValues("kiln.gateway.sends.batch-window=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("batch-window must be between 1ms and 1s"));
	}

	@Test
	void moreThanTenMessagesPerBatchFailsAtStartUp() {
		this.runner.withPropertyValues("kiln.gateway.sends.max-batch-size=11")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("sends.maxBatchSize"));
	}

	@Test
	void aShortBootstrapKeyFailsAtStartUp() {
		this.runner
			.withPropertyValues("kiln.gateway.auth.bootstrap-keys[0].key=short",
					"kiln.gateway.auth.bootstrap-keys[0].tenant=acme")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("auth.bootstrapKeys[0].key"));
	}

	@Test
	void aModelWithTooManyStepsFailsAtStartUp() {
		this.runner.withPropertyValues("kiln.gateway.models.kiln-builtin.max-steps=500")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("models[kiln-builtin].maxSteps"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(GatewayApiProperties.class)
	static class Config {

	}

}
