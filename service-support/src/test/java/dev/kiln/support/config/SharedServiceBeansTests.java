package dev.kiln.support.config;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.kiln.support.queues.QueueUrls;

import static org.assertj.core.api.Assertions.assertThat;

class SharedServiceBeansTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SharedPropertiesConfiguration.class));

	@Test
	void everyServiceReadsTimeFromTheUtcSystemClock() {
		this.runner.run((context) -> assertThat(context.getBean(Clock.class).getZone()).isEqualTo(ZoneOffset.UTC));
	}

	@Test
	void aClockOfTheServiceOwnWins() {
		Clock fixed = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
		this.runner.withBean(Clock.class, () -> fixed)
			.run((context) -> assertThat(context.getBean(Clock.class)).isSameAs(fixed));
	}

	@Test
	void queueUrlsFollowTheSharedPrefixWhereThereIsAnSqsClient() {
		this.runner.withPropertyValues("kiln.queues.prefix=stage")
			.withBean(SqsAsyncClient.class, () -> SqsAsyncClient.builder().region(Region.US_EAST_1).build())
			.run((context) -> assertThat(context.getBean(QueueUrls.class).names().prefix()).isEqualTo("stage"));
	}

	@Test
	void noQueueUrlsWithoutAnSqsClient() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(QueueUrls.class));
	}

}
