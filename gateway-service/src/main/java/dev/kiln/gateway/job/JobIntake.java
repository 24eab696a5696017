package dev.kiln.gateway.job;

import lombok.RequiredArgsConstructor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobLogContext;
import dev.kiln.contract.JobMessage;
import dev.kiln.gateway.GatewayApiProperties;

/**
 * Records a drafted job as {@code QUEUED}, then enqueues it. If the queue certainly refused it, the record is withdrawn
 * so that no job exists that no worker will ever see; if SQS may have it, the job stays accepted and in the outbox.
 */
@Component
@RequiredArgsConstructor
class JobIntake {

	private static final Logger logger = LoggerFactory.getLogger(JobIntake.class);

	private final JobRepository repository;

	private final JobPublisher publisher;

	private final OutboxConfirmations confirmations;

	private final GatewayApiProperties api;

	/**
	 * Records the job, unless its idempotency key was used before.
	 * @param draft the job
	 * @return {@code CREATED} with the job's place in its lane, or {@code DUPLICATE} with the job the key created
	 * @throws QuotaExceededException when the tenant is at its quota
	 */
	JobRepository.Created record(JobDrafts.Draft draft) {
		JobMessage message = draft.message();
		int quota = this.api.limits().maxQueuedJobs();
		JobRepository.Created created = this.repository.create(message, draft.body(), draft.fields(),
				draft.idempotencyKey(), this.api.requests().idempotencyTtl(), quota);
		return switch (created.outcome()) {
			case CREATED, DUPLICATE -> created;
			case QUOTA -> throw new QuotaExceededException(message.tenant(), quota);
			case EXISTS -> throw new IllegalStateException("Job id " + message.jobId() + " exists already");
		};
	}

	/**
	 * Sends a recorded job to its lane's queue.
	 * @param draft the job
	 * @param trace the submission's trace
	 * @throws QueueUnavailableException when SQS certainly did not take the job (it is withdrawn)
	 */
	void send(JobDrafts.Draft draft, JobTracing.Trace trace) {
		JobMessage message = draft.message();
		// the job's id, tenant and lane on the lines logged about its enqueueing
		try (JobLogContext.Scope scope = JobLogContext.of(message)) {
			try {
				this.publisher.publish(message, draft.body(), trace.messageContext());
			}
			catch (RuntimeException ex) {
				trace.failed(ex);
				if (!JobPublisher.definitelyNotSent(ex)) {
					// SQS may have the message (a timeout, a connection lost mid-call): the job stays recorded and in
					// the outbox, so the queue service's relay sends it if it is not there; a duplicate is dropped by
					// workers
					logger.warn("SQS did not confirm job {}; it stays accepted and the outbox relay makes sure it is "
							+ "enqueued: {}", message.jobId(), ex.toString());
					return;
				}
				logger.warn("Could not enqueue job {}; withdrawing it", message.jobId(), ex);
				this.repository.withdraw(message, draft.idempotencyKey());
				throw new QueueUnavailableException("The job queue is not available right now; nothing was recorded",
						ex);
			}
			this.confirmations.confirmed(message.jobId());
		}
	}

}
