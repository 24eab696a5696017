package dev.kiln.gateway.limit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

import dev.kiln.contract.RedisKeys;
import dev.kiln.gateway.GatewayApiProperties;

/**
 * One token bucket per tenant in Redis at {@code {kiln}:ratelimit:{tenant}}: {@code burst} tokens, refilled at
 * {@code requests-per-second}. Buckets expire once full again. With {@code unsynchronized-tokens} above 0 each replica
 * keeps a proxy per tenant that takes up to that many tokens locally (or for up to {@code unsynchronized-time}) before
 * it synchronizes with Redis (Bucket4j's delaying optimization), which saves two Redis round trips on most requests at
 * the price of a bounded overshoot per replica.
 */
@Component
public class TenantRateLimiter implements DisposableBean {

	private final StatefulConnection<String, byte[]> connection;

	private final LettuceBasedProxyManager<String> buckets;

	private final BucketConfiguration configuration;

	private final int burst;

	private final @Nullable Optimization optimization;

	private final Cache<String, BucketProxy> proxies = Caffeine.newBuilder()
		.maximumSize(100_000)
		.expireAfterAccess(Duration.ofMinutes(10))
		.build();

	TenantRateLimiter(RedisConnectionFactory connectionFactory, GatewayApiProperties properties) {
		if (!(connectionFactory instanceof LettuceConnectionFactory lettuce)) {
			throw new IllegalStateException("Rate limits need a Lettuce Redis connection factory, got "
					+ connectionFactory.getClass().getName());
		}
		RedisCodec<String, byte[]> codec = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
		Bucket4jLettuce.LettuceBasedProxyManagerBuilder<String> builder;
		// Cluster mode (spring.data.redis.cluster.nodes, e.g. MemoryDB): Bucket4j's cluster API routes each bucket's
		// script by its key, whose {kiln} hash tag puts it in the one slot of every Kiln key.
		if (lettuce.getNativeClient() instanceof RedisClusterClient cluster) {
			StatefulRedisClusterConnection<String, byte[]> clusterConnection = cluster.connect(codec);
			this.connection = clusterConnection;
			builder = Bucket4jLettuce.casBasedBuilder(clusterConnection);
		}
		else if (lettuce.getNativeClient() instanceof RedisClient client) {
			StatefulRedisConnection<String, byte[]> standalone = client.connect(codec);
			this.connection = standalone;
			builder = Bucket4jLettuce.casBasedBuilder(standalone);
		}
		else {
			throw new IllegalStateException("Rate limits need a standalone or cluster Lettuce client, got "
					+ lettuce.getNativeClient());
		}
		this.buckets = builder
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
			.build();
		GatewayApiProperties.Limits limits = properties.limits();
		this.burst = limits.burst();
		this.configuration = BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(limits.burst())
				.refillGreedy(limits.requestsPerSecond(), Duration.ofSeconds(1)))
			.build();
		this.optimization = (limits.unsynchronizedTokens() > 0) ? Optimizations
			.delaying(new DelayParameters(limits.unsynchronizedTokens(), limits.unsynchronizedTime())) : null;
	}

	/**
	 * Takes one token from the tenant's bucket.
	 * @param tenant the tenant
	 * @return whether the request may proceed, and the figures for the {@code RateLimit-*} headers
	 */
	public Decision tryAcquire(String tenant) {
		ConsumptionProbe probe = bucket(tenant).tryConsumeAndReturnRemaining(1);
		long resetSeconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForReset() + 999_999_999L));
		long retryAfter = Math.max(1,
				TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
		return new Decision(probe.isConsumed(), this.burst, probe.getRemainingTokens(), resetSeconds, retryAfter);
	}

	private BucketProxy bucket(String tenant) {
		if (this.optimization == null) {
			return this.buckets.getProxy(RedisKeys.rateLimit(tenant), () -> this.configuration);
		}
		return this.proxies.get(tenant, (key) -> this.buckets.builder()
			.withOptimization(this.optimization)
			.build(RedisKeys.rateLimit(key), () -> this.configuration));
	}

	@Override
	public void destroy() {
		// The connection factory's client closes all its connections when it stops, which comes before this.
		if (this.connection.isOpen()) {
			this.connection.close();
		}
	}

	/**
	 * The outcome of taking a token.
	 *
	 * @param allowed whether the request may proceed
	 * @param limit the bucket's capacity
	 * @param remaining tokens left
	 * @param resetSeconds seconds until the bucket is full again
	 * @param retryAfterSeconds seconds until the next token, when refused
	 */
	public record Decision(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {
	}

}
