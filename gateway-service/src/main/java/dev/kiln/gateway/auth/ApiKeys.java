package dev.kiln.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import dev.kiln.contract.RedisKeys;

/**
 * API keys in Redis ({@code kiln:apikey:{sha256}} hashes with {@code tenant}, {@code admin}, {@code name},
 * {@code createdAt}). The raw key is returned once on creation and never stored.
 */
@Component
public class ApiKeys {

	private static final SecureRandom RANDOM = new SecureRandom();

	private final StringRedisTemplate redis;

	private final Clock clock;

	ApiKeys(StringRedisTemplate redis, Clock clock) {
		this.redis = redis;
		this.clock = clock;
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
		Map<String, String> record = this.redis.<String, String>opsForHash().entries(RedisKeys.apiKey(sha256Hex(key)));
		String tenant = record.get("tenant");
		if (tenant == null) {
			return Optional.empty();
		}
		return Optional.of(new Caller(tenant, "true".equals(record.get("admin")), record.getOrDefault("name", "")));
	}

	private void store(String key, String tenant, boolean admin, String name) {
		String redisKey = RedisKeys.apiKey(sha256Hex(key));
		this.redis.opsForHash().putIfAbsent(redisKey, "createdAt", this.clock.instant().toString());
		this.redis.opsForHash()
			.putAll(redisKey, Map.of("tenant", tenant, "admin", Boolean.toString(admin), "name", name));
	}

	/** The lower-case hex SHA-256 of a key, its name in Redis. */
	static String sha256Hex(String key) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
	}

}
