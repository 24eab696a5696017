package dev.kiln.gateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SqsException;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.gateway.GatewayApiProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * The publisher against a stubbed SQS client: a lone send goes out at once, sends made while another is in flight
 * share one {@code SendMessageBatch}, and an entry SQS refuses fails only its own send. The batch window is an hour,
 * so a batch goes out only when it is full, and a send is in flight until the test lets it finish: nothing here
 * depends on timing.
 */
class JobPublisherTests {

	static final String URL = "https://sqs.test/000000000000/kiln-jobs-standard";

	private final SqsAsyncClient sqs = mock();

	private final SqsStub stub = new SqsStub(this.sqs, URL);

	private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();

	private JobPublisher publisher;

	@BeforeEach
	void publisher() {
		this.publisher = new JobPublisher(this.sqs, SqsStub.queueUrls(this.sqs),
				SqsStub.api(new GatewayApiProperties.Sends(true, Duration.ofHours(1), 3, Duration.ofSeconds(30))));
	}

	@AfterEach
	void close() {
		this.publisher.destroy();
		this.callers.shutdownNow();
	}

	@Test
	void aLoneSendGoesOutAtOnceWithoutWaitingForABatch() {
		// with an hour's batch window, this would not return if the message waited for others
		this.publisher.publish(message("job-a"), body("job-a"), context("job-a"));
		assertThat(this.stub.sends()).singleElement()
			.isEqualTo(SendMessageRequest.builder()
				.queueUrl(URL)
				.messageBody(body("job-a"))
				.messageAttributes(Map.of("traceparent", attribute(traceparent("job-a"))))
				.build());
		assertThat(this.stub.batches()).isEmpty();
	}

	@Test
	void sendsMadeWhileAnotherIsInFlightGoOutAsOneBatch() throws Exception {
		SqsStub.HeldSend<?> lone = this.stub.holdSend(this.callers, () -> publish("job-0"));
		List<Future<?>> sends = new ArrayList<>();
		for (String id : List.of("job-a", "job-b", "job-c")) {
			sends.add(this.callers.submit(() -> this.publisher.publish(message(id), body(id), context(id))));
		}
		for (Future<?> send : sends) {
			send.get();
		}
		assertThat(lone.result()).isNotDone();
		lone.finish();
		assertThat(this.stub.batches()).hasSize(1);
		SendMessageBatchRequest batch = this.stub.batches().get(0);
		assertThat(batch.queueUrl()).isEqualTo(URL);
		assertThat(batch.entries()).extracting(SendMessageBatchRequestEntry::messageBody)
			.containsExactlyInAnyOrder(body("job-a"), body("job-b"), body("job-c"));
		// each entry carries its own job's trace context
		assertThat(batch.entries()).allSatisfy((entry) -> assertThat(entry.messageAttributes())
			.containsExactly(Map.entry("traceparent", attribute(traceparent(idIn(entry.messageBody()))))));
		assertThat(this.stub.sends()).extracting(SendMessageRequest::messageBody).containsExactly(body("job-0"));
	}

	@Test
	void aFailedLoneSendFailsItsCaller() {
		this.stub.holdNextSend().completeExceptionally(SqsException.builder().statusCode(400).message("no").build());
		assertThatExceptionOfType(JobPublisher.QueueSendException.class)
			.isThrownBy(() -> this.publisher.publish(message("job-a"), body("job-a"), context("job-a")))
			.withMessageContaining("job-a")
			.satisfies((ex) -> assertThat(JobPublisher.definitelyNotSent(ex)).isTrue());
	}

	@Test
	void anEntrySqsRefusesFailsOnlyItsOwnSend() throws Exception {
		this.stub.refuse("job-b");
		SqsStub.HeldSend<?> lone = this.stub.holdSend(this.callers, () -> publish("job-0"));
		Future<?> a = this.callers.submit(() -> this.publisher.publish(message("job-a"), body("job-a"), context("job-a")));
		Future<?> b = this.callers.submit(() -> this.publisher.publish(message("job-b"), body("job-b"), context("job-b")));
		Future<?> c = this.callers.submit(() -> this.publisher.publish(message("job-c"), body("job-c"), context("job-c")));
		a.get();
		c.get();
		assertThatExceptionOfType(java.util.concurrent.ExecutionException.class).isThrownBy(b::get)
			.havingCause()
			.isInstanceOf(JobPublisher.QueueSendException.class)
			.withMessageContaining("job-b");
		assertThat(this.stub.batches()).hasSize(1);
		lone.finish();
	}

	@Test
	void withoutBatchingEachMessageIsOneSend() throws Exception {
		JobPublisher single = new JobPublisher(this.sqs, SqsStub.queueUrls(this.sqs),
				SqsStub.api(new GatewayApiProperties.Sends(false, Duration.ofMillis(5), 10, Duration.ofSeconds(30))));
		SqsStub.HeldSend<?> a = this.stub.holdSend(this.callers, () -> {
			single.publish(message("job-a"), body("job-a"), context("job-a"));
			return null;
		});
		// even while another send is in flight
		single.publish(message("job-b"), body("job-b"), context("job-b"));
		a.finish();
		assertThat(this.stub.sends()).extracting(SendMessageRequest::messageBody)
			.containsExactly(body("job-a"), body("job-b"));
		assertThat(this.stub.sends()).extracting((send) -> send.messageAttributes().get("traceparent").stringValue())
			.containsExactly(traceparent("job-a"), traceparent("job-b"));
		assertThat(this.stub.batches()).isEmpty();
		single.destroy();
	}

	@Test
	void aLaneWhoseQueueCannotBeFoundFailsTheSend() {
		given(this.sqs.getQueueUrl(org.mockito.ArgumentMatchers.<Consumer<GetQueueUrlRequest.Builder>>any()))
			.willReturn(CompletableFuture.failedFuture(new IllegalStateException("no such queue")));
		assertThatExceptionOfType(JobPublisher.QueueSendException.class)
			.isThrownBy(() -> this.publisher.publish(message("job-a"), body("job-a"), context("job-a")))
			.withMessageContaining("standard");
		assertThat(this.stub.batches()).isEmpty();
	}

	private Void publish(String id) {
		this.publisher.publish(message(id), body(id), context(id));
		return null;
	}

	static JobMessage message(String id) {
		return new JobMessage(JobMessage.SCHEMA_VERSION, id, "acme", "small", "fox " + id, null, 64, 64, 20, 7.5, 1, 1,
				Lane.STANDARD, Instant.parse("2026-11-23T10:00:00Z"), null);
	}

	static String body(String id) {
		return "{\"jobId\":\"" + id + "\"}";
	}

	private static String idIn(String body) {
		return body.substring("{\"jobId\":\"".length(), body.length() - 2);
	}

	/** A W3C traceparent per job (its trace id made from the job id), so each message's attributes can be told apart. */
	static String traceparent(String id) {
		String hex = java.util.HexFormat.of().formatHex(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
		return "00-" + "0".repeat(32 - hex.length()) + hex + "-00f067aa0ba902b7-01";
	}

	static Map<String, String> context(String id) {
		return Map.of("traceparent", traceparent(id));
	}

	private static MessageAttributeValue attribute(String value) {
		return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
	}

}
