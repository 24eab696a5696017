package dev.kiln.gateway.job;

import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.batchmanager.SqsAsyncBatchManager;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.support.queues.QueueUrls;

/**
 * Sends job messages to their lane's queue and waits until SQS has them. With {@code kiln.gateway.sends.batch} (the
 * default) the sends of concurrent requests go through the AWS SDK's {@link SqsAsyncBatchManager}: per lane queue,
 * messages are collected for up to {@code batch-window} or {@code max-batch-size} messages and sent as one
 * {@code SendMessageBatch}; each caller still gets its own message's result, so one refused message fails only its
 * own caller. A message for a lane with no send in flight goes out at once as its own {@code SendMessage}: there is
 * nothing to share a batch with, and a lone request should not wait out the window (group commit: batches form
 * only while earlier sends are on their way). Without batching each message is one {@code SendMessage}. The
 * message is the job as JSON; its attributes are the job's W3C trace context ({@code traceparent}, and
 * {@code tracestate} when there is one; {@link JobTracing}), in all cases.
 */
@Component
class JobPublisher implements DisposableBean {

	private final SqsAsyncClient sqs;

	private final QueueUrls queues;

	private final Duration timeout;

	private final @Nullable SqsAsyncBatchManager batches;

	private final @Nullable ScheduledExecutorService flusher;

	private final Map<Lane, AtomicInteger> inFlight = new EnumMap<>(Lane.class);

	JobPublisher(SqsAsyncClient sqs, QueueUrls queues, GatewayApiProperties api) {
		GatewayApiProperties.Sends sends = api.sends();
		this.sqs = sqs;
		this.queues = queues;
		this.timeout = sends.timeout();
		for (Lane lane : Lane.values()) {
			this.inFlight.put(lane, new AtomicInteger());
		}
		if (sends.batch()) {
			this.flusher = Executors.newSingleThreadScheduledExecutor(
					Thread.ofPlatform().name("kiln-sqs-batch-flush").daemon().factory());
			this.batches = SqsAsyncBatchManager.builder()
				.client(sqs)
				.scheduledExecutor(this.flusher)
				.overrideConfiguration((batch) -> batch.maxBatchSize(sends.maxBatchSize())
					.sendRequestFrequency(sends.batchWindow()))
				.build();
		}
		else {
			this.flusher = null;
			this.batches = null;
		}
	}

	/**
	 * Sends the message and waits until SQS has it.
	 * @param message the job
	 * @param json the job as JSON, the message body
	 * @param traceContext the job's trace context as W3C headers ({@link JobTracing.Trace#messageContext()}), sent
	 * as String message attributes; may be empty
	 * @throws RuntimeException when SQS did not take the message (or did not answer within the timeout)
	 */
	void publish(JobMessage message, String json, Map<String, String> traceContext) {
		SendMessageRequest.Builder builder = SendMessageRequest.builder().queueUrl(url(message.lane())).messageBody(json);
		if (!traceContext.isEmpty()) {
			builder.messageAttributes(attributes(traceContext));
		}
		SendMessageRequest request = builder.build();
		AtomicInteger sending = this.inFlight.get(message.lane());
		boolean alone = sending.getAndIncrement() == 0;
		try {
			CompletableFuture<SendMessageResponse> sent = (this.batches != null && !alone)
					? this.batches.sendMessage(request) : this.sqs.sendMessage(request);
			join(sent, "send job " + message.jobId());
		}
		finally {
			sending.decrementAndGet();
		}
	}

	private static Map<String, MessageAttributeValue> attributes(Map<String, String> traceContext) {
		Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
		traceContext.forEach((name, value) -> attributes.put(name,
				MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
		return attributes;
	}

	/** The lane's queue URL, looked up once ({@link QueueUrls} does not keep a failure: the next send asks again). */
	private String url(Lane lane) {
		return join(this.queues.jobs(lane), "find queue " + this.queues.names().jobs(lane));
	}

	private <T> T join(CompletableFuture<T> future, String what) {
		try {
			return future.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw new QueueSendException("Could not " + what, (ex.getCause() != null) ? ex.getCause() : ex);
		}
		catch (TimeoutException ex) {
			throw new QueueSendException("Could not " + what + " within " + this.timeout, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new QueueSendException("Interrupted while waiting to " + what, ex);
		}
	}

	@Override
	public void destroy() {
		if (this.batches != null) {
			this.batches.close();
		}
		if (this.flusher != null) {
			this.flusher.shutdown();
		}
	}

	/**
	 * Whether a failed {@link #publish} certainly left no message in the queue: SQS answered with an error, or the
	 * connection was refused. A timeout or a connection lost during the call may have delivered it.
	 * @param failure what {@link #publish} threw
	 */
	static boolean definitelyNotSent(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof AwsServiceException || cause instanceof java.net.ConnectException) {
				return true;
			}
			if (cause instanceof TimeoutException || cause instanceof java.io.IOException) {
				return false;
			}
		}
		return false;
	}

	/** SQS did not take a message. */
	static class QueueSendException extends RuntimeException {

		QueueSendException(String message, Throwable cause) {
			super(message, cause);
		}

	}

}
