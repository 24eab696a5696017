package dev.kiln.queue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.EmbeddedRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract's one-off upgrade script renames a store written before the {@code {kiln}} hash tag to
 * {@link RedisKeys}' names, keeping values, types and TTLs, and leaves keys that already have a tagged twin alone.
 */
class RenameToHashTagIntegrationTests {

	@Test
	void oldNamesBecomeRedisKeysNames() {
		try (EmbeddedRedis server = EmbeddedRedis.start(0)) {
			LettuceConnectionFactory factory = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", server.port()));
			factory.afterPropertiesSet();
			factory.start();
			try {
				StringRedisTemplate redis = new StringRedisTemplate(factory);
				redis.afterPropertiesSet();
				redis.opsForHash().put("kiln:job:j1", "state", "QUEUED");
				redis.expire("kiln:job:j1", Duration.ofHours(1));
				redis.opsForZSet().add("kiln:lane:batch:queued", "j1", 1);
				redis.opsForHash().put("kiln:apikey:abc", "tenant", "acme");
				redis.opsForValue().set("kiln:idempotency:acme:k", "old");
				redis.opsForValue().set(RedisKeys.idempotency("acme", "k"), "new");
				redis.opsForValue().set("other:key", "untouched");

				@SuppressWarnings("unchecked")
				List<Object> result = redis.execute(RedisScript
					.of(new ClassPathResource("dev/kiln/contract/rename-to-hash-tag.lua"), List.class), List.of());

				// four old keys: three renamed, the idempotency key skipped (its tagged twin exists)
				assertThat(result).containsExactly(3L, 1L);
				assertThat(redis.opsForHash().get(RedisKeys.job("j1"), "state")).isEqualTo("QUEUED");
				assertThat(redis.getExpire(RedisKeys.job("j1"))).isPositive();
				assertThat(redis.opsForZSet().score(RedisKeys.laneQueued(Lane.BATCH), "j1")).isEqualTo(1.0);
				assertThat(redis.opsForHash().get(RedisKeys.apiKey("abc"), "tenant")).isEqualTo("acme");
				assertThat(redis.opsForValue().get(RedisKeys.idempotency("acme", "k"))).isEqualTo("new");
				assertThat(redis.keys("kiln:*")).containsExactly("kiln:idempotency:acme:k");
				assertThat(redis.opsForValue().get("other:key")).isEqualTo("untouched");
			}
			finally {
				factory.destroy();
			}
		}
	}

}
