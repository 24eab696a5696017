package dev.kiln.queue.webhook;

import java.security.SecureRandom;
import java.util.HexFormat;

import lombok.RequiredArgsConstructor;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import dev.kiln.contract.RedisKeys;

/**
 * Per-tenant webhook secrets, in the tenant's settings hash ({@code {kiln}:tenant:{tenant}:settings}, field
 * {@value #FIELD}). A tenant without one gets a fresh random secret on its first delivery; concurrent first uses agree
 * on one ({@code HSETNX}).
 */
@Component
@RequiredArgsConstructor
class WebhookSecrets {

	/** The settings field holding the secret. */
	static final String FIELD = "webhookSecret";

	private final SecureRandom random = new SecureRandom();

	private final StringRedisTemplate redis;

	/** The tenant's secret, created if it has none. */
	String secret(String tenant) {
		String key = RedisKeys.tenantSettings(tenant);
		Object existing = this.redis.opsForHash().get(key, FIELD);
		if (existing != null) {
			return existing.toString();
		}
		byte[] bytes = new byte[32];
		this.random.nextBytes(bytes);
		this.redis.opsForHash().putIfAbsent(key, FIELD, "whsec_" + HexFormat.of().formatHex(bytes));
		return String.valueOf(this.redis.opsForHash().get(key, FIELD));
	}

}
