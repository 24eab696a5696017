package dev.kiln.gateway.badinput;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.core.StringRedisTemplate;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;

/**
 * Sends raw bytes to {@code POST /v1/jobs} with the JDK HTTP client (so bodies, content types and transfer encodings
 * are exactly what the test says) and counts what the gateway recorded and enqueued for one tenant and queue prefix.
 */
final class Gateway {

	private static final HttpClient CLIENT = HttpClient.newBuilder()
		.followRedirects(HttpClient.Redirect.NEVER)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final String base;

	private final String key;

	private final String tenant;

	private final QueueNames queues;

	private final SqsAsyncClient sqs;

	private final StringRedisTemplate redis;

	Gateway(String base, String key, String tenant, String prefix, SqsAsyncClient sqs, StringRedisTemplate redis) {
		this.base = base;
		this.key = key;
		this.tenant = tenant;
		this.queues = new QueueNames(prefix);
		this.sqs = sqs;
		this.redis = redis;
	}

	static void createQueues(SqsAsyncClient sqs, String prefix) {
		QueueNames queues = new QueueNames(prefix);
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(queues.jobs(lane))).join();
		}
	}

	/**
	 * What the gateway holds for the tenant: jobs recorded, jobs waiting, messages on the lane queues.
	 *
	 * @param recorded the tenant's job index
	 * @param waiting the tenant's waiting set
	 * @param enqueued visible messages on every lane queue of the prefix
	 */
	record Counts(long recorded, long waiting, long enqueued) {

		Counts plusOne() {
			return new Counts(this.recorded + 1, this.waiting + 1, this.enqueued + 1);
		}

	}

	Counts counts() {
		long enqueued = 0;
		for (Lane lane : Lane.values()) {
			String url = this.sqs.getQueueUrl((b) -> b.queueName(this.queues.jobs(lane))).join().queueUrl();
			enqueued += this.sqs
				.getQueueAttributes((b) -> b.queueUrl(url)
					.attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
							QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
				.join()
				.attributes()
				.values()
				.stream()
				.mapToLong(Long::parseLong)
				.sum();
		}
		Long recorded = this.redis.opsForZSet().zCard(RedisKeys.tenantJobs(this.tenant));
		Long waiting = this.redis.opsForSet().size(RedisKeys.tenantWaiting(this.tenant));
		return new Counts((recorded != null) ? recorded : 0, (waiting != null) ? waiting : 0, enqueued);
	}

	/**
	 * The gateway's answer.
	 *
	 * @param status HTTP status
	 * @param contentType the {@code Content-Type}, or empty
	 * @param body the body as UTF-8
	 */
	record Answer(int status, String contentType, String body) {

		@Override
		public String toString() {
			return this.status + " " + this.contentType + " "
					+ ((this.body.length() > 400) ? this.body.substring(0, 400) + "..." : this.body);
		}

	}

	Answer submit(byte[] body, @Nullable String contentType) {
		return submit(body, contentType, false);
	}

	/**
	 * Posts a JSON body to another endpoint with another key.
	 * @param path the path, e.g. {@code /admin/api-keys}
	 * @param apiKey the key to send
	 * @param body the JSON text
	 * @return the answer
	 */
	Answer post(String path, String apiKey, String body) {
		return send(HttpRequest.newBuilder(URI.create(this.base + path))
			.timeout(Duration.ofSeconds(30))
			.header("Authorization", "Bearer " + apiKey)
			.header("Accept", "application/json, application/problem+json")
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
			.build());
	}

	/**
	 * Posts a body.
	 * @param body the bytes
	 * @param contentType the {@code Content-Type} header, or {@code null} to send none
	 * @param chunked send without {@code Content-Length}
	 * @return the answer
	 */
	Answer submit(byte[] body, @Nullable String contentType, boolean chunked) {
		HttpRequest.BodyPublisher publisher = chunked
				? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
				: HttpRequest.BodyPublishers.ofByteArray(body);
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.base + "/v1/jobs"))
			.timeout(Duration.ofSeconds(30))
			.header("Authorization", "Bearer " + this.key)
			.header("Accept", "application/json, application/problem+json")
			.POST(publisher);
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}
		return send(request.build());
	}

	private static Answer send(HttpRequest request) {
		try {
			HttpResponse<byte[]> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
			return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
					new String(response.body(), StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
