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
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", SharedEmbeddedStack.get().redis().port()));
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
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("kiln", AdvisorProperties.class);
	}

}
