package dev.kiln.gateway.job;

import java.util.Objects;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

import dev.kiln.contract.JobMessage;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.web.ApiProblemException;

/**
 * Accepts jobs: each submission, in its own trace, is checked and drafted ({@link JobDrafts}), recorded and enqueued
 * ({@link JobIntake}), or answered with the earlier job of its idempotency key ({@link TenantJobs#replay}).
 */
@Service
@RequiredArgsConstructor
class JobSubmissions {

	/** The {@code etaReason} of the answer to a submission, which does not estimate. */
	static final String NOT_ESTIMATED = "not-estimated";

	private final JobTracing tracing;

	private final JobDrafts drafts;

	private final JobIntake intake;

	private final TenantJobs jobs;

	/**
	 * The result of a submission.
	 *
	 * @param job the job
	 * @param replayed whether an earlier request with the same idempotency key created it
	 */
	record Submission(JobView job, boolean replayed) {
	}

	/**
	 * Checks the request against the models and rules, records the job as {@code QUEUED}, then enqueues it. If the
	 * queue refuses it, the record is withdrawn so that no job exists that no worker will ever see.
	 * @param caller who submits
	 * @param request a request that passed Bean Validation
	 * @param idempotencyKey the caller's {@code Idempotency-Key}, or {@code null}
	 * @return the accepted job, or the job an earlier request with the same key created
	 * @throws ApiProblemException when the request breaks a rule
	 * @throws IdempotencyKeyReusedException when the key was used for another body or a job that is gone
	 * @throws QuotaExceededException when the tenant is at its quota
	 * @throws QueueUnavailableException when the job could not be enqueued
	 */
	Submission submit(Caller caller, SubmitJobRequest request, @Nullable String idempotencyKey) {
		return this.tracing.submit((trace) -> {
			JobDrafts.Draft draft = this.drafts.draft(caller, request, idempotencyKey, trace);
			JobRepository.Created created = this.intake.record(draft);
			if (created.outcome() == JobRepository.Outcome.DUPLICATE) {
				return new Submission(
						this.jobs.replay(caller, created.jobId(), Objects.requireNonNull(draft.requestHash())), true);
			}
			this.intake.send(draft, trace);
			return new Submission(accepted(draft.message(), request, created.position(), trace.traceId()), false);
		});
	}

	/**
	 * The view of a job just accepted, built from what was recorded rather than read back: {@code QUEUED}, nothing
	 * started, and {@code queue} with the job's place in its lane when it was recorded but no estimate
	 * ({@code etaReason} {@value #NOT_ESTIMATED}); {@code GET /v1/jobs/{id}} has the live position and ETA.
	 */
	private static JobView accepted(JobMessage message, SubmitJobRequest request, long position,
			@Nullable String traceId) {
		return JobView.accepted(message, new JobView.QueuePosition((int) position, null, NOT_ESTIMATED, null, null),
				new JobView.Echo(request.callbackUrl(), request.metadata(), traceId));
	}

}
