package dev.kiln.gateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.gateway.GatewayApiProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

/**
 * The publisher against a stubbed SQS client: concurrent sends share one {@code SendMessageBatch}, and an entry SQS
 * refuses fails only its own send. The batch window is an hour, so a batch goes out only when it is full: nothing
 * here depends on timing.
 */
class JobPublisherTests {

	static final String URL = "https://sqs.test/000000000000/kiln-jobs-standard";

	private final SqsAsyncClient sqs = mock();

	private final SqsStub stub = new SqsStub(this.sqs, URL);

	private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();

	private JobPublisher publisher;

	@BeforeEach
	void publisher() {
		this.publisher = new JobPublisher(this.sqs, SqsStub.gateway(),
				SqsStub.api(new GatewayApiProperties.Sends(true, Duration.ofHours(1), 3, Duration.ofSeconds(30))));
	}

	@AfterEach
	void close() {
		this.publisher.destroy();
		this.callers.shutdownNow();
	}

	@Test
	void concurrentSendsToALaneGoOutAsOneBatch() throws Exception {
		List<Future<?>> sends = new ArrayList<>();
		for (String id : List.of("job-a", "job-b", "job-c")) {
			sends.add(this.callers.submit(() -> this.publisher.publish(message(id), body(id))));
		}
		for (Future<?> send : sends) {
			send.get();
		}
		assertThat(this.stub.batches()).hasSize(1);
		SendMessageBatchRequest batch = this.stub.batches().get(0);
		assertThat(batch.queueUrl()).isEqualTo(URL);
		assertThat(batch.entries()).extracting(SendMessageBatchRequestEntry::messageBody)
			.containsExactlyInAnyOrder(body("job-a"), body("job-b"), body("job-c"));
		assertThat(batch.entries()).allSatisfy((entry) -> assertThat(entry.messageAttributes()).isEmpty());
		verify(this.sqs, never()).sendMessage(any(SendMessageRequest.class));
	}

	@Test
	void anEntrySqsRefusesFailsOnlyItsOwnSend() throws Exception {
		this.stub.refuse("job-b");
		Future<?> a = this.callers.submit(() -> this.publisher.publish(message("job-a"), body("job-a")));
		Future<?> b = this.callers.submit(() -> this.publisher.publish(message("job-b"), body("job-b")));
		Future<?> c = this.callers.submit(() -> this.publisher.publish(message("job-c"), body("job-c")));
		a.get();
		c.get();
		assertThatExceptionOfType(java.util.concurrent.ExecutionException.class).isThrownBy(b::get)
			.havingCause()
			.isInstanceOf(JobPublisher.QueueSendException.class)
			.withMessageContaining("job-b");
		assertThat(this.stub.batches()).hasSize(1);
	}

	@Test
	void withoutBatchingEachMessageIsOneSend() {
		JobPublisher single = new JobPublisher(this.sqs, SqsStub.gateway(),
				SqsStub.api(new GatewayApiProperties.Sends(false, Duration.ofMillis(5), 10, Duration.ofSeconds(30))));
		given(this.sqs.sendMessage(any(SendMessageRequest.class)))
			.willReturn(CompletableFuture.completedFuture(SendMessageResponse.builder().messageId("m-1").build()));
		single.publish(message("job-a"), body("job-a"));
		verify(this.sqs).sendMessage(SendMessageRequest.builder().queueUrl(URL).messageBody(body("job-a")).build());
		assertThat(this.stub.batches()).isEmpty();
		single.destroy();
	}

	@Test
	void aLaneWhoseQueueCannotBeFoundFailsTheSend() {
		given(this.sqs.getQueueUrl(org.mockito.ArgumentMatchers.<Consumer<GetQueueUrlRequest.Builder>>any()))
			.willReturn(CompletableFuture.failedFuture(new IllegalStateException("no such queue")));
		assertThatExceptionOfType(JobPublisher.QueueSendException.class)
			.isThrownBy(() -> this.publisher.publish(message("job-a"), body("job-a")))
			.withMessageContaining("standard");
		assertThat(this.stub.batches()).isEmpty();
	}

	static JobMessage message(String id) {
		return new JobMessage(JobMessage.SCHEMA_VERSION, id, "acme", "small", "fox " + id, null, 64, 64, 20, 7.5, 1, 1,
				Lane.STANDARD, Instant.parse("2026-11-23T10:00:00Z"), null);
	}

	static String body(String id) {
		return "{\"jobId\":\"" + id + "\"}";
	}

}
