package dev.kiln.queue.lane;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.queue.QueueServiceProperties;

/** Queue URLs of the lanes, looked up once. */
@Component
class QueueUrls {

	private final SqsAsyncClient sqs;

	private final QueueNames names;

	private final Map<String, String> urls = new ConcurrentHashMap<>();

	QueueUrls(SqsAsyncClient sqs, QueueServiceProperties properties) {
		this.sqs = sqs;
		this.names = new QueueNames(properties.queues().prefix());
	}

	/** The lane's jobs queue. */
	String jobs(Lane lane) {
		return url(this.names.jobs(lane));
	}

	/** The lane's dead-letter queue. */
	String deadLetters(Lane lane) {
		return url(this.names.deadLetters(lane));
	}

	private String url(String name) {
		return this.urls.computeIfAbsent(name,
				(queue) -> this.sqs.getQueueUrl((request) -> request.queueName(queue)).join().queueUrl());
	}

}
