package dev.kiln.gateway.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

import dev.kiln.contract.QueueNames;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.support.queues.QueueUrls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;

/**
 * A mocked {@link SqsAsyncClient} that knows one queue URL and answers {@code SendMessageBatch} like SQS: each entry
 * succeeds unless its body names a job passed to {@link #refuse}, which gets a per-entry error. Answers
 * {@code SendMessage} at once, or keeps it in flight until the test completes the future {@link #holdNextSend}
 * returned. Records the batches and the single sends.
 */
final class SqsStub {

	private final List<SendMessageBatchRequest> batches = new CopyOnWriteArrayList<>();

	private final List<SendMessageRequest> sends = new CopyOnWriteArrayList<>();

	private final Queue<CompletableFuture<SendMessageResponse>> held = new ConcurrentLinkedQueue<>();

	private final Set<String> refused = ConcurrentHashMap.newKeySet();

	SqsStub(SqsAsyncClient sqs, String url) {
		given(sqs.getQueueUrl(org.mockito.ArgumentMatchers.<Consumer<GetQueueUrlRequest.Builder>>any()))
			.willReturn(CompletableFuture.completedFuture(GetQueueUrlResponse.builder().queueUrl(url).build()));
		given(sqs.sendMessageBatch(any(SendMessageBatchRequest.class))).willAnswer((invocation) -> {
			SendMessageBatchRequest request = invocation.getArgument(0);
			this.batches.add(request);
			SendMessageBatchResponse.Builder response = SendMessageBatchResponse.builder();
			List<SendMessageBatchResultEntry> successful = new ArrayList<>();
			List<BatchResultErrorEntry> failed = new ArrayList<>();
			for (SendMessageBatchRequestEntry entry : request.entries()) {
				if (this.refused.stream().anyMatch(entry.messageBody()::contains)) {
					failed.add(BatchResultErrorEntry.builder()
						.id(entry.id())
						.code("InvalidMessageContents")
						.message("refused by the test")
						.senderFault(true)
						.build());
				}
				else {
					successful.add(SendMessageBatchResultEntry.builder()
						.id(entry.id())
						.messageId("m-" + entry.id())
						.md5OfMessageBody("-")
						.build());
				}
			}
			return CompletableFuture.completedFuture(response.successful(successful).failed(failed).build());
		});
		given(sqs.sendMessage(any(SendMessageRequest.class))).willAnswer((invocation) -> {
			this.sends.add(invocation.getArgument(0));
			CompletableFuture<SendMessageResponse> answer = this.held.poll();
			return (answer != null) ? answer
					: CompletableFuture.completedFuture(SendMessageResponse.builder().messageId("m-single").build());
		});
	}

	/**
	 * The next {@code SendMessage} stays in flight until the returned future is completed.
	 * @return the answer of that send
	 */
	CompletableFuture<SendMessageResponse> holdNextSend() {
		CompletableFuture<SendMessageResponse> answer = new CompletableFuture<>();
		this.held.add(answer);
		return answer;
	}

	/**
	 * Starts a call on {@code callers} whose {@code SendMessage} stays in flight, and returns once it is in flight:
	 * sends made after this one find a send on its way.
	 * @param callers where the call runs
	 * @param call a call that makes one {@code SendMessage}
	 * @return the call, to let finish
	 */
	<T> HeldSend<T> holdSend(ExecutorService callers, Callable<T> call) {
		int before = this.sends.size();
		CompletableFuture<SendMessageResponse> answer = holdNextSend();
		Future<T> result = callers.submit(call);
		awaitSends(before + 1);
		return new HeldSend<>(answer, result);
	}

	/**
	 * A call whose {@code SendMessage} is in flight.
	 *
	 * @param answer SQS's answer to the send, to complete
	 * @param result the call
	 */
	record HeldSend<T>(CompletableFuture<SendMessageResponse> answer, Future<T> result) {

		/** SQS takes the message; returns what the call returned. */
		T finish() throws Exception {
			this.answer.complete(SendMessageResponse.builder().messageId("m-held").build());
			return this.result.get();
		}

	}

	/** Waits until {@code count} single sends were made (at most 10 s). */
	void awaitSends(int count) {
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(5))
			.untilAsserted(() -> assertThat(this.sends).as("single sends").hasSizeGreaterThanOrEqualTo(count));
	}

	/** The single sends ({@code SendMessage}) so far. */
	List<SendMessageRequest> sends() {
		return this.sends;
	}

	/** Entries whose body contains this job id are refused from now on. */
	void refuse(String jobId) {
		this.refused.add(jobId);
	}

	/** The batches sent so far. */
	List<SendMessageBatchRequest> batches() {
		return this.batches;
	}

	/** The URLs of the queues under the prefix {@code kiln}, looked up through {@code sqs}. */
	static QueueUrls queueUrls(SqsAsyncClient sqs) {
		return new QueueUrls(sqs, new QueueNames("kiln"));
	}

	static GatewayApiProperties api(GatewayApiProperties.Sends sends) {
		return new GatewayApiProperties(Map.of("small", new GatewayApiProperties.ModelLimits(65536, 30, 2)),
				new GatewayApiProperties.Auth(List.of(), null, Duration.ofSeconds(5)),
				new GatewayApiProperties.Limits(10, 20, 100, 0, Duration.ofMillis(250)),
				new GatewayApiProperties.Requests(DataSize.ofKilobytes(64), DataSize.ofKilobytes(4), Duration.ofDays(7),
						Duration.ofHours(24)),
				new GatewayApiProperties.Estimates(Duration.ofSeconds(90)),
				new GatewayApiProperties.Events(Duration.ofMinutes(30), Duration.ofSeconds(15)),
				sends, new GatewayApiProperties.Workers(Duration.ZERO));
	}

}
