package dev.kiln.gateway.limit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.util.unit.DataSize;

import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.EmbeddedRedisCluster;
import dev.kiln.gateway.GatewayApiProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rate limiter on a real three-master Redis Cluster (as on MemoryDB, {@code spring.data.redis.cluster.nodes}):
 * it takes Lettuce's cluster client from the connection factory and keeps the bucket at the tenant's tagged key.
 */
class TenantRateLimiterClusterIntegrationTests {

	private EmbeddedRedisCluster cluster;

	private LettuceConnectionFactory redis;

	private final String tenant = "rl-" + UUID.randomUUID();

	@BeforeEach
	void start() {
		this.cluster = EmbeddedRedisCluster.start(3);
		this.redis = new LettuceConnectionFactory(new RedisClusterConfiguration(this.cluster.nodes()));
		this.redis.afterPropertiesSet();
		this.redis.start();
	}

	@AfterEach
	void stop() {
		this.redis.destroy();
		this.cluster.close();
	}

	@Test
	void allowsExactlyTheBurstAndKeepsTheBucketAtTheTenantsKey() {
		TenantRateLimiter limiter = limiter();
		try {
			int allowed = 0;
			for (int i = 0; i < 30; i++) {
				allowed += limiter.tryAcquire(this.tenant).allowed() ? 1 : 0;
			}
			assertThat(allowed).isEqualTo(10);
			assertThat(limiter.tryAcquire(this.tenant).allowed()).isFalse();
			StringRedisTemplate template = new StringRedisTemplate(this.redis);
			template.afterPropertiesSet();
			assertThat(template.hasKey(RedisKeys.rateLimit(this.tenant))).isTrue();
		}
		finally {
			limiter.destroy();
		}
	}

	private TenantRateLimiter limiter() {
		GatewayApiProperties.Limits limits = new GatewayApiProperties.Limits(1, 10, 100, 0, Duration.ofSeconds(5));
		return new TenantRateLimiter(this.redis, new GatewayApiProperties(Map.of(),
				new GatewayApiProperties.Auth(List.of(), null, Duration.ofSeconds(5)), limits,
				new GatewayApiProperties.Requests(DataSize.ofKilobytes(64), DataSize.ofKilobytes(4), Duration.ofDays(7),
						Duration.ofHours(24)),
				new GatewayApiProperties.Estimates(Duration.ofSeconds(90)),
				new GatewayApiProperties.Events(Duration.ofMinutes(30), Duration.ofSeconds(15)),
				new GatewayApiProperties.Sends(true, Duration.ofMillis(5), 10, Duration.ofSeconds(10)),
				new GatewayApiProperties.Workers(Duration.ZERO)));
	}

}
