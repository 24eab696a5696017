package dev.kiln.gateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.jobstore.JobStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The create script against real Redis: a recorded job is announced on its lane's arrivals channel (the autoscale
 * advisor decides on it at once); a refused one is not.
 */
class JobRepositoryIntegrationTests {

	private final BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();

	private LettuceConnectionFactory factory;

	private RedisMessageListenerContainer subscription;

	private JobRepository jobs;

	@BeforeEach
	void connect() throws Exception {
		this.factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", SharedEmbeddedStack.get().redis().port()));
		this.factory.afterPropertiesSet();
		this.factory.start();
		StringRedisTemplate redis = new StringRedisTemplate(this.factory);
		redis.afterPropertiesSet();
		this.jobs = new JobRepository(redis, new JobStore(redis));
		this.subscription = new RedisMessageListenerContainer();
		this.subscription.setConnectionFactory(this.factory);
		this.subscription.addMessageListener((message, pattern) -> this.arrivals.add(new String(message.getBody())),
				new ChannelTopic(RedisKeys.laneArrivals(Lane.BATCH)));
		this.subscription.afterPropertiesSet();
		this.subscription.start();
	}

	@AfterEach
	void close() throws Exception {
		this.subscription.destroy();
		this.factory.destroy();
	}

	@Test
	void aRecordedJobIsAnnouncedOnItsLaneAndARefusedOneIsNot() throws Exception {
		String tenant = "arrivals-" + UUID.randomUUID();
		JobMessage first = message(tenant);
		JobRepository.Created created = this.jobs.create(first, "{}", Map.of(), null, Duration.ZERO, 1);
		assertThat(created.outcome()).isEqualTo(JobRepository.Outcome.CREATED);
		assertThat(this.arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo(first.jobId());

		// the tenant's quota of one waiting job is taken: refused, not recorded, not announced
		JobMessage second = message(tenant);
		JobRepository.Created refused = this.jobs.create(second, "{}", Map.of(), null, Duration.ZERO, 1);
		assertThat(refused.outcome()).isEqualTo(JobRepository.Outcome.QUOTA);
		await().during(Duration.ofMillis(300))
			.atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.arrivals).doesNotContain(second.jobId()));
		this.jobs.withdraw(first, null);
	}

	private static JobMessage message(String tenant) {
		return new JobMessage(1, UUID.randomUUID().toString(), tenant, "kiln-builtin", "a lighthouse", null, 64, 64, 1,
				7.5, 1, 1, Lane.BATCH, Instant.now(), null);
	}

}
