package dev.kiln.queue.lane;

import java.util.concurrent.CompletableFuture;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

import dev.kiln.contract.Lane;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.queue.tracing.JobTraces;
import dev.kiln.support.queues.QueueUrls;

/**
 * Sends a job's message to its lane's queue again, on the job's behalf (the outbox relay, the dead-letter redrive),
 * with the trace context recorded with the job ({@link JobTraces#messageAttributes}), so that the worker's spans join
 * the job's trace as they do for the gateway's first send.
 */
@Component
@RequiredArgsConstructor
class LaneMessages {

	private final SqsAsyncClient sqs;

	private final QueueUrls urls;

	/**
	 * Sends a job message.
	 * @param lane the lane whose queue it goes to
	 * @param body the job message
	 * @param job the job's record, for its trace context; {@code null} when there is none
	 * @return SQS's answer, once the queue's URL is known and the message is sent
	 */
	CompletableFuture<SendMessageResponse> send(Lane lane, String body, @Nullable JobRecord job) {
		return this.urls.jobs(lane)
			.thenCompose((url) -> this.sqs.sendMessage((request) -> request.queueUrl(url)
				.messageBody(body)
				.messageAttributes(JobTraces.messageAttributes(job))));
	}

}
