package dev.kiln.worker.job;

import java.time.Duration;

import io.awspring.cloud.sqs.config.SqsMessageListenerContainerFactory;
import io.awspring.cloud.sqs.listener.acknowledgement.handler.AcknowledgementMode;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The job listener's container: one message in hand per queue and one per poll (no hidden prefetch), manual
 * acknowledgement, and acknowledgements sent at once rather than batched, so a finished job is deleted before the
 * next one starts.
 */
@Configuration(proxyBeanMethods = false)
class WorkerSqsConfiguration {

	static final String JOBS_CONTAINER_FACTORY = "jobsContainerFactory";

	@Bean(JOBS_CONTAINER_FACTORY)
	SqsMessageListenerContainerFactory<Object> jobsContainerFactory(SqsAsyncClient sqs) {
		return SqsMessageListenerContainerFactory.builder()
			.sqsAsyncClient(sqs)
			.configure((options) -> options.acknowledgementMode(AcknowledgementMode.MANUAL)
				.maxConcurrentMessages(1)
				.maxMessagesPerPoll(1)
				.pollTimeout(Duration.ofSeconds(10))
				.acknowledgementInterval(Duration.ZERO)
				.acknowledgementThreshold(0))
			.build();
	}

}
