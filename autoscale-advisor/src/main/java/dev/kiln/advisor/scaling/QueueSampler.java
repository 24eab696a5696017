package dev.kiln.advisor.scaling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.support.config.SharedProperties;

/** Reads every lane's queue depth from SQS, all lanes in parallel. */
@Component
class QueueSampler {

	private final SqsAsyncClient sqs;

	private final QueueNames names;

	private final Map<Lane, String> urls = new ConcurrentHashMap<>();

	QueueSampler(SqsAsyncClient sqs, SharedProperties shared) {
		this.sqs = sqs;
		this.names = new QueueNames(shared.queues().prefix());
	}

	List<LaneDepth> sample() {
		List<CompletableFuture<LaneDepth>> futures = new ArrayList<>();
		for (Lane lane : Lane.values()) {
			futures.add(depth(lane));
		}
		return futures.stream().map(CompletableFuture::join).toList();
	}

	private CompletableFuture<LaneDepth> depth(Lane lane) {
		return url(lane)
			.thenCompose((url) -> this.sqs.getQueueAttributes((request) -> request.queueUrl(url)
				.attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
						QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
						QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)))
			.thenApply((response) -> {
				Map<QueueAttributeName, String> attributes = response.attributes();
				return new LaneDepth(lane, count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
						count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
						count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));
			});
	}

	private CompletableFuture<String> url(Lane lane) {
		String cached = this.urls.get(lane);
		if (cached != null) {
			return CompletableFuture.completedFuture(cached);
		}
		return this.sqs.getQueueUrl((request) -> request.queueName(this.names.jobs(lane))).thenApply((response) -> {
			this.urls.put(lane, response.queueUrl());
			return response.queueUrl();
		});
	}

	private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
		String value = attributes.get(name);
		return (value != null) ? Long.parseLong(value) : 0;
	}

}
