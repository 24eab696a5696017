package dev.kiln.embedded;

import java.nio.file.Path;
import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** A durable server keeps what it acknowledged across a stop and resume, and is really down in between. */
class EmbeddedRedisTests {

	@Test
	void aDurableServerComesBackWithEveryAcknowledgedWrite(@TempDir Path directory) {
		try (EmbeddedRedis redis = EmbeddedRedis.startDurable(0, directory.resolve("redis"))) {
			RedisClient client = RedisClient.create(RedisURI.builder()
				.withHost("127.0.0.1")
				.withPort(redis.port())
				.withTimeout(Duration.ofSeconds(2))
				.build());
			try {
				try (StatefulRedisConnection<String, String> connection = client.connect()) {
					connection.sync().hset("probe:hash", "state", "QUEUED");
					connection.sync().zadd("probe:zset", 1, "1");
				}

				redis.stop();
				assertThat(redis.isRunning()).isFalse();
				assertThatExceptionOfType(RedisConnectionException.class).isThrownBy(client::connect);
				redis.resume();

				try (StatefulRedisConnection<String, String> connection = client.connect()) {
					assertThat(connection.sync().hget("probe:hash", "state")).isEqualTo("QUEUED");
					assertThat(connection.sync().zrange("probe:zset", 0, -1)).containsExactly("1");
				}
			}
			finally {
				client.shutdown();
			}
		}
	}

}
