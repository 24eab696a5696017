package dev.kiln.queue;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.kiln.jobstore.JobStore;

/** The job store, the one reader and writer of job records this service's features share. */
@Configuration(proxyBeanMethods = false)
class JobStoreConfiguration {

	@Bean
	JobStore jobStore(StringRedisTemplate redis) {
		return new JobStore(redis);
	}

}
