package dev.kiln.worker.job;

import java.util.concurrent.ThreadLocalRandom;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.kiln.worker.WorkerProperties;

/** The worker's retry and batching policies, set by {@code kiln.worker.*}. */
@Configuration(proxyBeanMethods = false)
class JobPolicies {

	/** How long a message that met a transient fault waits before SQS delivers it again, with random jitter. */
	@Bean
	Backoff retryBackoff(WorkerProperties properties) {
		return new Backoff(properties.retryBackoff(), properties.maxRetryBackoff(),
				() -> ThreadLocalRandom.current().nextDouble());
	}

	/** Whether and how long a render pass waits for more jobs ({@code kiln.worker.batching}). */
	@Bean
	BatchPolicy batchPolicy(WorkerProperties properties) {
		WorkerProperties.Batching batching = properties.batching();
		return new BatchPolicy(batching.enabled(), batching.maxWait(), batching.cpu());
	}

}
