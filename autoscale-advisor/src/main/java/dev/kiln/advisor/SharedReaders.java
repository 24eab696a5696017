package dev.kiln.advisor;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.jobstore.JobStore;
import dev.kiln.support.heartbeat.WorkerHeartbeats;

/**
 * The readers of state that other modules own, one of each for the whole advisor: the {@link JobStore} (job records,
 * model stats, and the one cost write the advisor makes) and the workers' {@link WorkerHeartbeats}.
 */
@Configuration(proxyBeanMethods = false)
class SharedReaders {

	@Bean
	JobStore jobStore(StringRedisTemplate redis) {
		return new JobStore(redis);
	}

	@Bean
	WorkerHeartbeats workerHeartbeats(StringRedisTemplate redis, JsonMapper json) {
		return new WorkerHeartbeats(redis, json);
	}

}
