package dev.kiln.jobstore;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.embedded.EmbeddedRedis;

/** An embedded Redis server per test class, emptied before each test, and a store over it. */
abstract class RedisFixture {

	static final String TENANT = "acme";

	static EmbeddedRedis server;

	static LettuceConnectionFactory factory;

	static StringRedisTemplate redis;

	static JobStore store;

	@BeforeAll
	static void startRedis() {
		server = EmbeddedRedis.start(0);
		factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", server.port()));
		factory.afterPropertiesSet();
		factory.start();
		redis = new StringRedisTemplate(factory);
		redis.afterPropertiesSet();
		store = new JobStore(redis);
	}

	@AfterAll
	static void stopRedis() {
		if (factory != null) {
			factory.destroy();
		}
		if (server != null) {
			server.close();
		}
	}

	@BeforeEach
	void flush() {
		redis.execute((org.springframework.data.redis.core.RedisCallback<Object>) (connection) -> {
			connection.serverCommands().flushAll();
			return null;
		});
	}

	static JobMessage message(String tenant, Lane lane) {
		return new JobMessage(JobMessage.SCHEMA_VERSION, JobIds.next(), tenant, "sd-turbo", "a red kiln", null, 512,
				512, 4, 7.5, 42, 1, lane, Instant.parse("2026-12-01T10:00:00Z"), null, null);
	}

	static Map<String, String> fields(JobMessage message, String... extra) {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put(JobFields.STATE, "QUEUED");
		fields.put(JobFields.TENANT, message.tenant());
		fields.put(JobFields.LANE, message.lane().wireName());
		fields.put(JobFields.REQUEST, "{}");
		fields.put(JobFields.SUBMITTED_AT, message.submittedAt().toString());
		fields.put(JobFields.ATTEMPT, "0");
		fields.put(JobFields.STEP, "0");
		fields.put(JobFields.TOTAL_STEPS, Integer.toString(message.steps()));
		for (int i = 0; i + 1 < extra.length; i += 2) {
			fields.put(extra[i], extra[i + 1]);
		}
		return fields;
	}

	/** Creates a job through the store's create script. */
	static JobMessage created(String... extra) {
		JobMessage message = message(TENANT, Lane.STANDARD);
		store.create(message, fields(message, extra), null, java.time.Duration.ofMinutes(1), 100);
		return message;
	}

	static String field(String jobId, String name) {
		Object value = redis.opsForHash().get(dev.kiln.contract.RedisKeys.job(jobId), name);
		return (value != null) ? value.toString() : null;
	}

}
