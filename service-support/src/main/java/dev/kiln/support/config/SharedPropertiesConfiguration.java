package dev.kiln.support.config;

import java.time.Clock;

import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.QueueNames;
import dev.kiln.jobstore.JobStore;
import dev.kiln.support.heartbeat.WorkerHeartbeats;
import dev.kiln.support.queues.QueueUrls;

/**
 * What every Kiln service is given alike: {@link SharedProperties} bound once, the UTC clock every timestamp is read
 * from, the URLs of Kiln's queues under the shared prefix, and, where there is Redis, the one {@link JobStore} and
 * the one {@link WorkerHeartbeats} reader of the service.
 */
@AutoConfiguration(afterName = { "io.awspring.cloud.autoconfigure.sqs.SqsAutoConfiguration",
		"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
		"org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" })
@EnableConfigurationProperties(SharedProperties.class)
public class SharedPropertiesConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(SqsAsyncClient.class)
	static class QueueUrlsConfiguration {

		@Bean
		@ConditionalOnBean(SqsAsyncClient.class)
		@ConditionalOnMissingBean
		QueueUrls kilnQueueUrls(SqsAsyncClient sqs, SharedProperties shared) {
			return new QueueUrls(sqs, new QueueNames(shared.queues().prefix()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ StringRedisTemplate.class, JobStore.class })
	static class JobStoreConfiguration {

		@Bean
		@ConditionalOnBean(StringRedisTemplate.class)
		@ConditionalOnMissingBean
		JobStore jobStore(StringRedisTemplate redis) {
			return new JobStore(redis);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ StringRedisTemplate.class, JsonMapper.class })
	static class WorkerHeartbeatsConfiguration {

		@Bean
		@ConditionalOnBean({ StringRedisTemplate.class, JsonMapper.class })
		@ConditionalOnMissingBean
		WorkerHeartbeats workerHeartbeats(StringRedisTemplate redis, JsonMapper json) {
			return new WorkerHeartbeats(redis, json);
		}

	}

}
