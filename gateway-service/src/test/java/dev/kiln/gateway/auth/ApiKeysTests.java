package dev.kiln.gateway.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.HashOperations;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.kiln.contract.RedisKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/** The in-memory cache of API keys: how long a key is remembered, and what makes it forget one. */
class ApiKeysTests {

	private static final String KEY = "kiln_cache-test-key-0123456789";

	private static final String REDIS_KEY = RedisKeys.apiKey(ApiKeys.id(KEY));

	private static final Duration TTL = Duration.ofSeconds(5);

	private final StringRedisTemplate redis = mock();

	private final HashOperations<String, Object, Object> hashes = mock();

	private final AtomicLong nanos = new AtomicLong();

	private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

	@BeforeEach
	void redis() {
		given(this.redis.opsForHash()).willReturn(this.hashes);
		stored(Map.of("tenant", "acme", "admin", "false", "name", "ci"));
	}

	@Test
	void remembersAValidKeyForTheTtlOnly() {
		ApiKeys keys = keys(TTL);
		assertThat(keys.lookup(KEY)).contains(new Caller("acme", false, "ci"));
		this.nanos.addAndGet(TTL.toNanos() - 1);
		assertThat(keys.lookup(KEY)).contains(new Caller("acme", false, "ci"));
		verify(this.hashes, times(1)).entries(REDIS_KEY);

		this.nanos.addAndGet(1);
		assertThat(keys.lookup(KEY)).isPresent();
		verify(this.hashes, times(2)).entries(REDIS_KEY);
	}

	@Test
	void aRevokedKeyStopsWorkingAtOnceOnThisReplica() {
		ApiKeys keys = keys(TTL);
		assertThat(keys.lookup(KEY)).isPresent();
		given(this.redis.delete(REDIS_KEY)).willReturn(true);

		assertThat(keys.revoke(ApiKeys.id(KEY))).isTrue();
		stored(Map.of());

		assertThat(keys.lookup(KEY)).isEmpty();
		verify(this.redis).delete(REDIS_KEY);
	}

	@Test
	void aKeyChangedOnThisReplicaIsReadAgain() {
		ApiKeys keys = keys(TTL);
		assertThat(keys.lookup(KEY)).contains(new Caller("acme", false, "ci"));

		keys.ensure(KEY, "acme", true, "ci");
		verify(this.hashes).putAll(eq(REDIS_KEY), anyMap());
		stored(Map.of("tenant", "acme", "admin", "true", "name", "ci"));

		assertThat(keys.lookup(KEY)).contains(new Caller("acme", true, "ci"));
	}

	@Test
	void unknownKeysAreNotRemembered() {
		ApiKeys keys = keys(TTL);
		stored(Map.of());
		assertThat(keys.lookup(KEY)).isEmpty();

		// created meanwhile, for example on another replica
		stored(Map.of("tenant", "acme", "admin", "false", "name", "ci"));
		assertThat(keys.lookup(KEY)).isPresent();
	}

	@Test
	void aZeroTtlReadsRedisOnEveryRequest() {
		ApiKeys keys = keys(Duration.ZERO);
		assertThat(keys.lookup(KEY)).isPresent();
		assertThat(keys.lookup(KEY)).isPresent();
		verify(this.hashes, times(2)).entries(REDIS_KEY);

		stored(Map.of());
		assertThat(keys.lookup(KEY)).isEmpty();
	}

	private ApiKeys keys(Duration ttl) {
		return new ApiKeys(this.redis, this.clock, ttl, this.nanos::get);
	}

	private void stored(Map<Object, Object> record) {
		given(this.hashes.entries(REDIS_KEY)).willReturn(record);
	}

}
