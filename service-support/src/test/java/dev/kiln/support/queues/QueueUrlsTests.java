package dev.kiln.support.queues;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueueUrlsTests {

	private final RecordingSqs sqs = new RecordingSqs();

	private final QueueUrls urls = new QueueUrls(this.sqs, new QueueNames("stage"));

	@Test
	void looksEachQueueUpByItsNameUnderThePrefix() {
		assertThat(this.urls.jobs(Lane.INTERACTIVE).join()).isEqualTo("http://sqs/stage-jobs-interactive");
		assertThat(this.urls.deadLetters(Lane.BATCH).join()).isEqualTo("http://sqs/stage-jobs-batch-dlq");
		assertThat(this.urls.events().join()).isEqualTo("http://sqs/stage-events");
		assertThat(this.urls.eventsDeadLetters().join()).isEqualTo("http://sqs/stage-events-dlq");
		assertThat(this.sqs.asked).containsExactly("stage-jobs-interactive", "stage-jobs-batch-dlq", "stage-events",
				"stage-events-dlq");
	}

	@Test
	void asksSqsOncePerQueue() {
		this.urls.jobs(Lane.STANDARD).join();
		this.urls.jobs(Lane.STANDARD).join();
		this.urls.url("stage-jobs-standard").join();
		assertThat(this.sqs.asked).containsExactly("stage-jobs-standard");
	}

	@Test
	void aFailedLookupIsNotKeptSoTheNextCallAsksAgain() {
		this.sqs.missing = true;
		assertThatThrownBy(() -> this.urls.events().join()).isInstanceOf(CompletionException.class)
			.hasCauseInstanceOf(QueueDoesNotExistException.class);
		this.sqs.missing = false;
		assertThat(this.urls.events().join()).isEqualTo("http://sqs/stage-events");
		assertThat(this.sqs.asked).containsExactly("stage-events", "stage-events");
	}

	private static final class RecordingSqs implements SqsAsyncClient {

		private final List<String> asked = new ArrayList<>();

		private boolean missing;

		@Override
		public CompletableFuture<GetQueueUrlResponse> getQueueUrl(GetQueueUrlRequest request) {
			this.asked.add(request.queueName());
			if (this.missing) {
				return CompletableFuture.failedFuture(QueueDoesNotExistException.builder().message("no queue").build());
			}
			return CompletableFuture
				.completedFuture(GetQueueUrlResponse.builder().queueUrl("http://sqs/" + request.queueName()).build());
		}

		@Override
		public String serviceName() {
			return "sqs";
		}

		@Override
		public void close() {
		}

	}

}
