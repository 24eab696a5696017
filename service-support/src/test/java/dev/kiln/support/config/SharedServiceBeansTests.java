package dev.kiln.support.config;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.jobstore.JobStore;
import dev.kiln.support.heartbeat.WorkerHeartbeats;
import dev.kiln.support.queues.QueueUrls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

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

	@Test
	void oneJobStoreAndOneHeartbeatReaderWhereThereIsRedis() {
		StringRedisTemplate redis = new StringRedisTemplate(mock(RedisConnectionFactory.class));
		this.runner.withBean(StringRedisTemplate.class, () -> redis)
			.withBean(JsonMapper.class, () -> JsonMapper.builder().build())
			.run((context) -> assertThat(context).hasSingleBean(JobStore.class)
				.hasSingleBean(WorkerHeartbeats.class));
	}

	@Test
	void noJobStoreAndNoHeartbeatReaderWithoutRedis() {
		this.runner.withBean(JsonMapper.class, () -> JsonMapper.builder().build())
			.run((context) -> assertThat(context).doesNotHaveBean(JobStore.class)
				.doesNotHaveBean(WorkerHeartbeats.class));
	}

	@Test
	void aJobStoreOfTheServiceOwnWins() {
		StringRedisTemplate redis = new StringRedisTemplate(mock(RedisConnectionFactory.class));
		JobStore own = new JobStore(redis);
		this.runner.withBean(StringRedisTemplate.class, () -> redis)
			.withBean(JobStore.class, () -> own)
			.run((context) -> assertThat(context.getBean(JobStore.class)).isSameAs(own));
	}

}
