package dev.kiln.gateway.limit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.unit.DataSize;

import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.gateway.GatewayApiProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-tenant buckets in the embedded Redis: exact when every request synchronizes; with the delaying optimization,
 * two replicas sharing a bucket overshoot it by at most their unsynchronized tokens each.
 */
class TenantRateLimiterIntegrationTests {

	private LettuceConnectionFactory redis;

	private final String tenant = "rl-" + UUID.randomUUID();

	@BeforeEach
	void connect() {
		this.redis = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", SharedEmbeddedStack.get().redis().port()));
		this.redis.afterPropertiesSet();
		this.redis.start();
	}

	@AfterEach
	void close() {
		this.redis.destroy();
	}

	@Test
	void everyRequestSynchronizedAllowsExactlyTheBurst() {
		TenantRateLimiter limiter = limiter(0);
		try {
			assertThat(allowed(limiter, 30)).isEqualTo(10);
			TenantRateLimiter.Decision refused = limiter.tryAcquire(this.tenant);
			assertThat(refused.allowed()).isFalse();
			assertThat(refused.remaining()).isZero();
			assertThat(refused.retryAfterSeconds()).isPositive();
		}
		finally {
			limiter.destroy();
		}
	}

	@Test
	void twoReplicasWithUnsynchronizedTokensOvershootByAtMostTheirTokensEach() {
		TenantRateLimiter one = limiter(3);
		TenantRateLimiter two = limiter(3);
		try {
			int allowed = 0;
			for (int i = 0; i < 30; i++) {
				allowed += one.tryAcquire(this.tenant).allowed() ? 1 : 0;
				allowed += two.tryAcquire(this.tenant).allowed() ? 1 : 0;
			}
			assertThat(allowed).isBetween(10, 10 + 2 * 3);
			// both replicas end up refusing: the shared bucket is empty for either of them
			assertThat(one.tryAcquire(this.tenant).allowed()).isFalse();
			assertThat(two.tryAcquire(this.tenant).allowed()).isFalse();
		}
		finally {
			one.destroy();
			two.destroy();
		}
	}

	private int allowed(TenantRateLimiter limiter, int requests) {
		int allowed = 0;
		for (int i = 0; i < requests; i++) {
			allowed += limiter.tryAcquire(this.tenant).allowed() ? 1 : 0;
		}
		return allowed;
	}

	private TenantRateLimiter limiter(int unsynchronizedTokens) {
		GatewayApiProperties.Limits limits = new GatewayApiProperties.Limits(1, 10, 100, unsynchronizedTokens,
				Duration.ofSeconds(5));
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
