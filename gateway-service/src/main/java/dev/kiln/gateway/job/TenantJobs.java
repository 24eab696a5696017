package dev.kiln.gateway.job;

import java.time.Clock;
import java.util.List;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.web.ApiProblemException;
import dev.kiln.gateway.web.ApiProblemException.FieldProblem;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.support.config.SharedProperties;

/**
 * The caller's jobs: read back (also as the answer to a repeated submission), listed, cancelled, their images linked;
 * always within the caller's tenant, where another tenant's job reads exactly like an unknown id.
 */
@Service
@RequiredArgsConstructor
class TenantJobs {

	private final JobRepository repository;

	private final JobViews views;

	private final Clock clock;

	private final SharedProperties shared;

	/**
	 * The caller's job with that id.
	 * @param caller who asks
	 * @param jobId the id
	 * @return the job
	 * @throws JobNotFoundException when there is no such job or it belongs to another tenant
	 */
	JobView find(Caller caller, String jobId) {
		return this.views.view(record(caller, jobId));
	}

	/**
	 * The job an earlier request with the same idempotency key created, for a repeated submission: only with the same
	 * body and while the job is still there.
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

	/**
	 * A page of the caller's jobs, newest first.
	 * @param caller who asks
	 * @param state only jobs in this state, or {@code null}
	 * @param lane only jobs in this lane, or {@code null}
	 * @param cursor the {@code nextCursor} of the previous page, or {@code null}
	 * @param limit jobs per page
	 * @return the page
	 */
	JobPage list(Caller caller, @Nullable JobState state, @Nullable Lane lane, @Nullable String cursor, int limit) {
		if (cursor != null && !JobIds.isValid(cursor)) {
			throw ApiProblemException.invalid(List.of(new FieldProblem("cursor", "is not a cursor this API returned")));
		}
		JobRepository.Page page = this.repository.page(caller.tenant(), cursor, limit,
				(record) -> (state == null || state == record.state()) && (lane == null || lane == record.lane()));
		return new JobPage(page.records().stream().map(this.views::view).toList(), page.nextCursor());
	}

	/**
	 * The outcome of a cancel request.
	 *
	 * @param job the job afterwards
	 * @param cancelled whether it is cancelled already; otherwise its worker was asked to stop
	 */
	record Cancellation(JobView job, boolean cancelled) {
	}

	/**
	 * Cancels the caller's job: a waiting job becomes {@code CANCELLED} at once and is never rendered; a running job
	 * is asked to stop and its worker reports {@code CANCELLED} within a step.
	 * @param caller who asks
	 * @param jobId the job
	 * @return the job afterwards, and whether it is cancelled already ({@code false}: stop requested)
	 * @throws JobNotFoundException when there is no such job or it belongs to another tenant
	 * @throws JobFinishedException when the job has finished
	 */
	Cancellation cancel(Caller caller, String jobId) {
		Lane lane = record(caller, jobId).lane();
		if (lane == null) {
			throw new IllegalStateException("The record of job " + jobId + " has no lane this gateway knows");
		}
		String result = this.repository.cancel(caller.tenant(), jobId, lane, this.clock.instant(),
				this.shared.retention());
		return switch (result) {
			case "cancelled" -> new Cancellation(this.views.view(current(jobId)), true);
			case "requested" -> new Cancellation(this.views.view(current(jobId)), false);
			case "finished" -> {
				JobRecord record = this.repository.find(jobId);
				JobState state = (record != null) ? record.state() : null;
				throw new JobFinishedException(jobId, (state != null) ? state.name() : "finished");
			}
			default -> throw new JobNotFoundException(jobId);
		};
	}

	/**
	 * A fresh presigned link to an image of the caller's job.
	 * @param caller who asks
	 * @param jobId the job
	 * @param index the image number, from 0
	 * @return the link
	 * @throws ImageNotFoundException when the job has no such image (yet)
	 */
	JobView.ImageLink image(Caller caller, String jobId, int index) {
		return this.views.image(record(caller, jobId), index);
	}

	/**
	 * The record of the caller's job, for the event stream.
	 * @throws JobNotFoundException when there is no such job or it belongs to another tenant
	 */
	JobRecord record(Caller caller, String jobId) {
		JobRecord record = JobIds.isValid(jobId) ? this.repository.find(jobId) : null;
		if (record == null || !caller.tenant().equals(record.tenant())) {
			throw new JobNotFoundException(jobId);
		}
		return record;
	}

	/** The job's record now; it may have expired meanwhile. */
	private JobRecord current(String jobId) {
		JobRecord record = this.repository.find(jobId);
		if (record == null) {
			throw new JobNotFoundException(jobId);
		}
		return record;
	}

}
