package dev.kiln.gateway.job;

import org.springframework.stereotype.Component;

import dev.kiln.gateway.auth.Caller;
import dev.kiln.jobstore.JobRecord;

/**
 * Answers a repeated submission (same {@code Idempotency-Key}) with the job the first one created, as long as the body
 * is the same and the job is still there.
 */
@Component
class IdempotentReplays {

	private final JobRepository repository;

	private final JobViews views;

	IdempotentReplays(JobRepository repository, JobViews views) {
		this.repository = repository;
		this.views = views;
	}

	/**
	 * The job an earlier request with the same idempotency key created.
	 * @param caller who submits again
	 * @param jobId the job the key created
	 * @param requestHash the hash of this request's body
	 * @return the job as it is now
	 * @throws IdempotencyKeyReusedException when the body differs or the job is gone
	 */
	JobView replay(Caller caller, String jobId, String requestHash) {
		JobRecord record = this.repository.find(jobId);
		if (record == null || !caller.tenant().equals(record.tenant())) {
			throw IdempotencyKeyReusedException.forGoneJob();
		}
		if (!requestHash.equals(record.requestHash())) {
			throw IdempotencyKeyReusedException.forOtherBody(jobId);
		}
		return this.views.view(record);
	}

}
