package dev.kiln.gateway.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import dev.kiln.contract.RedisKeys;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.support.apikey.ApiKeyIds;

/**
 * API keys in Redis ({@code {kiln}:apikey:{sha256}} hashes with {@code tenant}, {@code admin}, {@code name},
 * {@code createdAt}). The raw key is returned once on creation and never stored.
 * <p>
 * Valid keys are remembered in memory for {@code kiln.gateway.auth.key-cache-ttl} (by their SHA-256, never the raw
 * key), so that most requests do not read Redis to authenticate. A key's tenant never changes; what the cache delays
 * is a revocation or change made on another replica (or in Redis directly), by at most the TTL. Changes made through
 * this class ({@link #revoke}, {@link #ensure}) take effect at once on this replica. Unknown keys are not remembered,
 * so a key created on another replica works at once.
 */
@Component
public class ApiKeys {

	private static final SecureRandom RANDOM = new SecureRandom();

	/** Most keys remembered at once; the least recently used go first. */
	private static final int CACHE_SIZE = 10_000;

	private final StringRedisTemplate redis;

	private final Clock clock;

	private final @Nullable Cache<String, Caller> cache;

	@Autowired
	ApiKeys(StringRedisTemplate redis, Clock clock, GatewayApiProperties properties) {
		this(redis, clock, properties.auth().keyCacheTtl(), Ticker.systemTicker());
	}

	ApiKeys(StringRedisTemplate redis, Clock clock, Duration cacheTtl, Ticker ticker) {
		this.redis = redis;
		this.clock = clock;
		this.cache = cacheTtl.isZero() ? null
				: Caffeine.newBuilder().expireAfterWrite(cacheTtl).maximumSize(CACHE_SIZE).ticker(ticker).build();
	}

	/**
	 * Creates a new random key.
	 * @param tenant the tenant it acts for
	 * @param admin whether it may reach {@code /admin/**}
	 * @param name a label for people
	 * @return the raw key; it cannot be recovered later
	 */
	public String create(String tenant, boolean admin, String name) {
		byte[] random = new byte[32];
		RANDOM.nextBytes(random);
		String key = "kiln_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
		store(key, tenant, admin, name);
		return key;
	}

	/**
	 * Makes sure a given key exists with these attributes (used for configured bootstrap keys).
	 * @param key the raw key
	 * @param tenant the tenant it acts for
	 * @param admin whether it may reach {@code /admin/**}
	 * @param name a label for people
	 */
	public void ensure(String key, String tenant, boolean admin, String name) {
		store(key, tenant, admin, name);
	}

	/**
	 * The caller a raw key stands for.
	 * @param key the raw key from the request
	 * @return the caller, empty for an unknown key
	 */
	public Optional<Caller> lookup(String key) {
		String id = id(key);
		if (this.cache == null) {
			return Optional.ofNullable(read(id));
		}
		// a null answer (unknown key) is not remembered
		return Optional.ofNullable(this.cache.get(id, this::read));
	}

	/**
	 * Revokes a key: it stops working at once on this replica and within {@code key-cache-ttl} on the others.
	 * @param id the key's id, the lower-case hex SHA-256 of the raw key (see {@link #id})
	 * @return whether there was such a key
	 */
	public boolean revoke(String id) {
		Boolean deleted = this.redis.delete(RedisKeys.apiKey(id));
		forget(id);
		return Boolean.TRUE.equals(deleted);
	}

	/** The id of a raw key: the lower-case hex SHA-256 under which it is stored. */
	public static String id(String key) {
		return ApiKeyIds.of(key);
	}

	private @Nullable Caller read(String id) {
		Map<String, String> record = this.redis.<String, String>opsForHash().entries(RedisKeys.apiKey(id));
		String tenant = record.get("tenant");
		if (tenant == null) {
			return null;
		}
		return new Caller(tenant, "true".equals(record.get("admin")), record.getOrDefault("name", ""));
	}

	private void store(String key, String tenant, boolean admin, String name) {
		String id = id(key);
		String redisKey = RedisKeys.apiKey(id);
		this.redis.opsForHash().putIfAbsent(redisKey, "createdAt", this.clock.instant().toString());
		this.redis.opsForHash()
			.putAll(redisKey, Map.of("tenant", tenant, "admin", Boolean.toString(admin), "name", name));
		forget(id);
	}

	private void forget(String id) {
		if (this.cache != null) {
			this.cache.invalidate(id);
		}
	}

}
