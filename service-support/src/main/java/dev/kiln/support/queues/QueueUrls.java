package dev.kiln.support.queues;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;

/**
 * The URLs of Kiln's queues, looked up by name once and kept. A failed lookup (no such queue yet, SQS unreachable)
 * is not kept, so the next call asks again.
 */
public final class QueueUrls {

	private final SqsAsyncClient sqs;

	private final QueueNames names;

	private final Map<String, String> urls = new ConcurrentHashMap<>();

	/**
	 * Creates the lookup.
	 * @param sqs the SQS client
	 * @param names the names of Kiln's queues under the configured prefix
	 */
	public QueueUrls(SqsAsyncClient sqs, QueueNames names) {
		this.sqs = sqs;
		this.names = names;
	}

	/**
	 * The names these URLs are looked up by.
	 * @return the queue names
	 */
	public QueueNames names() {
		return this.names;
	}

	/**
	 * The lane's jobs queue.
	 * @param lane the lane
	 * @return its URL, once known
	 */
	public CompletableFuture<String> jobs(Lane lane) {
		return url(this.names.jobs(lane));
	}

	/**
	 * The lane's dead-letter queue.
	 * @param lane the lane
	 * @return its URL, once known
	 */
	public CompletableFuture<String> deadLetters(Lane lane) {
		return url(this.names.deadLetters(lane));
	}

	/**
	 * The worker events queue.
	 * @return its URL, once known
	 */
	public CompletableFuture<String> events() {
		return url(this.names.events());
	}

	/**
	 * The worker events' dead-letter queue.
	 * @return its URL, once known
	 */
	public CompletableFuture<String> eventsDeadLetters() {
		return url(this.names.eventsDeadLetters());
	}

	/**
	 * A queue's URL by its full name.
	 * @param name the queue's name
	 * @return its URL, once known
	 */
	public CompletableFuture<String> url(String name) {
		String known = this.urls.get(name);
		if (known != null) {
			return CompletableFuture.completedFuture(known);
		}
		return this.sqs.getQueueUrl((request) -> request.queueName(name)).thenApply((response) -> {
			this.urls.put(name, response.queueUrl());
			return response.queueUrl();
		});
	}

}
