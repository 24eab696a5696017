package dev.kiln.gateway.job;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.model.ModelCatalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

/**
 * What a failed send does to the job: withdrawn with a 503 only when SQS certainly does not have the message;
 * otherwise accepted and left in the outbox for the queue service's relay.
 */
class OutboxSubmissionTests {

	private static final Caller CALLER = new Caller("acme", false, "test");

	private final JobRepository repository = mock();

	private final JobPublisher publisher = mock();

	private final ModelCatalog models = mock();

	private final OutboxConfirmations confirmations = mock();

	private JobSubmissions service;

	@BeforeEach
	void service() {
		GatewayApiProperties api = SqsStub
			.api(new GatewayApiProperties.Sends(false, Duration.ofMillis(5), 10, Duration.ofSeconds(10)));
		this.service = JobFixtures.submissions(this.repository, this.publisher, this.confirmations, mock(),
				this.models, mock(), Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC), api,
				TestTracing.none());
		given(this.models.defaultModel()).willReturn("small");
		given(this.models.limits("small")).willReturn(Optional.of(new GatewayApiProperties.ModelLimits(65536, 30, 2)));
		given(this.repository.create(any(), any(), any(), isNull(), any(), anyInt())).willAnswer(
				(invocation) -> new JobRepository.Created(JobRepository.Outcome.CREATED,
						invocation.<JobMessage>getArgument(0).jobId(), 1));
	}

	@Test
	void aConfirmedSendTakesTheJobOutOfTheOutbox() {
		JobView job = submit().job();
		verify(this.confirmations).confirmed(job.id());
		verify(this.repository, never()).withdraw(any(), any());
	}

	@Test
	void aSendWhoseOutcomeIsUnknownLeavesTheJobAcceptedAndInTheOutbox() {
		willThrow(new JobPublisher.QueueSendException("Could not send within 10s", new TimeoutException()))
			.given(this.publisher)
			.publish(any(), any(), any());
		assertThat(submit().job().state()).isEqualTo(JobState.QUEUED);
		verify(this.repository, never()).withdraw(any(), any());
		verify(this.confirmations, never()).confirmed(any());
	}

	@Test
	void aRefusedSendWithdrawsTheJob() {
		willThrow(new JobPublisher.QueueSendException("Could not send",
				QueueDoesNotExistException.builder().message("no such queue").build()))
			.given(this.publisher)
			.publish(any(), any(), any());
		assertThatExceptionOfType(QueueUnavailableException.class).isThrownBy(this::submit);
		verify(this.repository).withdraw(any(), isNull());
		verify(this.confirmations, never()).confirmed(any());
	}

	@Test
	void onlyAnAnswerFromSqsOrARefusedConnectionMeansNothingWasSent() {
		assertThat(JobPublisher.definitelyNotSent(new JobPublisher.QueueSendException("x",
				QueueDoesNotExistException.builder().message("no such queue").build()))).isTrue();
		assertThat(JobPublisher.definitelyNotSent(new JobPublisher.QueueSendException("x",
				SdkClientException.create("Unable to execute HTTP request", new ConnectException("refused")))))
			.isTrue();
		assertThat(JobPublisher.definitelyNotSent(new JobPublisher.QueueSendException("x", new TimeoutException())))
			.isFalse();
		assertThat(JobPublisher.definitelyNotSent(new JobPublisher.QueueSendException("x",
				SdkClientException.create("Unable to execute HTTP request", new IOException("Connection reset")))))
			.isFalse();
		assertThat(JobPublisher.definitelyNotSent(new IllegalStateException("unknown"))).isFalse();
	}

	private JobSubmissions.Submission submit() {
		SubmitJobRequest request = new SubmitJobRequest("a red fox", null, null, 64, 64, null, null, 42L, null, null,
				null, null, null, Map.of(), null, null, null, null);
		return this.service.submit(CALLER, request, null);
	}

}
