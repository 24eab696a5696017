package dev.kiln.gateway.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.model.ModelCatalog;
import dev.kiln.gateway.web.ProblemTypes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Submissions whose messages share one {@code SendMessageBatch} (the real publisher over a stubbed SQS client): a
 * message SQS refuses withdraws only its own job, and only its caller gets the 503. Each test first keeps a lone
 * send in flight, so that the submissions after it are batched.
 */
class BatchedSubmissionTests {

	private static final Caller CALLER = new Caller("acme", false, "test");

	private final JobRepository repository = mock();

	private final ModelCatalog models = mock();

	private final OutboxConfirmations confirmations = mock();

	private final SqsAsyncClient sqs = mock();

	private final SqsStub stub = new SqsStub(this.sqs, JobPublisherTests.URL);

	private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();

	private JobPublisher publisher;

	private JobSubmissions service;

	@BeforeEach
	void service() {
		GatewayApiProperties api = SqsStub
			.api(new GatewayApiProperties.Sends(true, Duration.ofHours(1), 3, Duration.ofSeconds(30)));
		this.publisher = new JobPublisher(this.sqs, SqsStub.queueUrls(this.sqs), api);
		this.service = JobFixtures.submissions(this.repository, this.publisher, this.confirmations, mock(),
				this.models, mock(), Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC), api,
				TestTracing.none());
		given(this.models.defaultModel()).willReturn("small");
		given(this.models.limits("small")).willReturn(Optional.of(new GatewayApiProperties.ModelLimits(65536, 30, 2)));
		given(this.repository.create(any(), any(), any(), isNull(), any(), anyInt())).willAnswer(
				(invocation) -> new JobRepository.Created(JobRepository.Outcome.CREATED,
						invocation.<JobMessage>getArgument(0).jobId(), 4));
	}

	@AfterEach
	void close() {
		this.publisher.destroy();
		this.callers.shutdownNow();
	}

	@Test
	void aRefusedMessageWithdrawsOnlyItsOwnJobAndItsCallerGets503() throws Exception {
		this.stub.refuse("refuse me");
		SqsStub.HeldSend<JobSubmissions.Submission> earlier = this.stub.holdSend(this.callers, submission("an earlier job"));
		Future<JobSubmissions.Submission> fox = submit("a red fox");
		Future<JobSubmissions.Submission> refused = submit("refuse me");
		Future<JobSubmissions.Submission> owl = submit("an owl");

		assertThat(fox.get().job().state()).isEqualTo(JobState.QUEUED);
		assertThat(owl.get().job().prompt()).isEqualTo("an owl");
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(refused::get)
			.havingCause()
			// answered 503 with Retry-After by the problem handler (JobControllerTests.answersQueueOutageWithRetryAfter)
			.isInstanceOfSatisfying(QueueUnavailableException.class,
					(ex) -> assertThat(ex.type()).isEqualTo(ProblemTypes.SERVICE_UNAVAILABLE));

		assertThat(this.stub.batches()).hasSize(1);
		assertThat(this.stub.batches().get(0).entries()).hasSize(3);
		ArgumentCaptor<JobMessage> withdrawn = ArgumentCaptor.forClass(JobMessage.class);
		verify(this.repository, times(1)).withdraw(withdrawn.capture(), isNull());
		assertThat(withdrawn.getValue().prompt()).isEqualTo("refuse me");
		// the two confirmed jobs leave the outbox; the refused one was withdrawn with it
		verify(this.confirmations, times(1)).confirmed(fox.get().job().id());
		verify(this.confirmations, times(1)).confirmed(owl.get().job().id());
		verify(this.confirmations, times(2)).confirmed(any());
		assertThat(earlier.finish().job().state()).isEqualTo(JobState.QUEUED);
		verify(this.confirmations, times(3)).confirmed(any());
		verify(this.repository, times(1)).withdraw(any(), isNull());
	}

	@Test
	void theAnswerIsBuiltFromTheMessageWithoutReadingTheRecordBack() throws Exception {
		SqsStub.HeldSend<JobSubmissions.Submission> earlier = this.stub.holdSend(this.callers, submission("an earlier job"));
		Future<JobSubmissions.Submission> one = submit("a red fox");
		Future<JobSubmissions.Submission> two = submit("an owl");
		Future<JobSubmissions.Submission> three = submit("a heron");
		two.get();
		three.get();
		JobView job = one.get().job();
		assertThat(job.state()).isEqualTo(JobState.QUEUED);
		assertThat(job.queue().position()).isEqualTo(4);
		assertThat(job.queue().etaReason()).isEqualTo(JobSubmissions.NOT_ESTIMATED);
		assertThat(job.queue().etaSeconds()).isNull();
		assertThat(job.metadata()).isEqualTo(Map.of("order", "A-17"));
		verify(this.repository, never()).find(any());
		verify(this.repository, never()).rank(any(), any());
		verify(this.models, never()).liveWorkers();
		assertThat(this.stub.batches()).singleElement().satisfies((batch) -> assertThat(batch.entries()).hasSize(3));
		earlier.finish();
	}

	private Future<JobSubmissions.Submission> submit(String prompt) {
		return this.callers.submit(submission(prompt));
	}

	private Callable<JobSubmissions.Submission> submission(String prompt) {
		SubmitJobRequest request = new SubmitJobRequest(prompt, null, null, 64, 64, null, null, 42L, null, null, null,
				null, null, Map.of("order", "A-17"), null, null, null, null);
		return () -> this.service.submit(CALLER, request, null);
	}

}
