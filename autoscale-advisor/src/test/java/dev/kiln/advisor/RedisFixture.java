package dev.kiln.advisor;

import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.kiln.embedded.SharedEmbeddedStack;

/** A Redis template on the shared embedded Redis and advisor properties bound from a map, without a context. */
public final class RedisFixture {

	private RedisFixture() {
	}

	public static StringRedisTemplate redis() {
		return redis(0);
	}

	/**
	 * A template on one logical database of the shared embedded Redis, emptied first. A test that counts what a
	 * component finds by scanning shared keys (the cost attributor's watch set, cursors and {@code {kiln}:tenant:*}
	 * indexes) takes a database no other test and no Spring context of this JVM uses (they all use database 0), so
	 * its counts are its own.
	 * @param database 1-15 (the embedded Redis has Redis' default 16)
	 */
	public static StringRedisTemplate ownDatabase(int database) {
		if (database < 1 || database > 15) {
			throw new IllegalArgumentException("database must be 1-15 (0 is shared) but was " + database);
		}
		StringRedisTemplate template = redis(database);
		template.execute((org.springframework.data.redis.core.RedisCallback<Void>) (connection) -> {
			connection.serverCommands().flushDb();
			return null;
		});
		return template;
	}

	private static StringRedisTemplate redis(int database) {
		RedisStandaloneConfiguration configuration = new RedisStandaloneConfiguration("127.0.0.1",
				SharedEmbeddedStack.get().redis().port());
		configuration.setDatabase(database);
		LettuceConnectionFactory factory = new LettuceConnectionFactory(configuration);
		factory.afterPropertiesSet();
		factory.start();
		StringRedisTemplate template = new StringRedisTemplate(factory);
		template.afterPropertiesSet();
		return template;
	}

	/** Closes a template's connection factory so no client threads outlive the test. */
	public static void close(StringRedisTemplate template) {
		if (template.getConnectionFactory() instanceof LettuceConnectionFactory factory) {
			factory.destroy();
		}
	}

	public static AdvisorProperties properties(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("kiln.advisor", AdvisorProperties.class);
	}

}
