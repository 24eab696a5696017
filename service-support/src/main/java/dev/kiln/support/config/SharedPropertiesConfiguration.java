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

import dev.kiln.contract.QueueNames;
import dev.kiln.support.queues.QueueUrls;

/**
 * What every Kiln service is given alike: {@link SharedProperties} bound once, the UTC clock every timestamp is read
 * from, and the URLs of Kiln's queues under the shared prefix.
 */
@AutoConfiguration(afterName = "io.awspring.cloud.autoconfigure.sqs.SqsAutoConfiguration")
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

}
