package dev.kiln.gateway.job;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;

/**
 * A job as the API shows it.
 *
 * @param id job id
 * @param state current state
 * @param lane lane it waits or waited in
 * @param model model id
 * @param prompt the prompt
 * @param negativePrompt the negative prompt
 * @param width width in pixels
 * @param height height in pixels
 * @param steps render steps
 * @param guidanceScale guidance scale
 * @param seed the seed used
 * @param numImages images requested
 * @param progress steps done, while running or when finished
 * @param attempt attempts so far (the current or last attempt, from 1); 0 before the first
 * @param submittedAt when it was accepted
 * @param startedAt when its first attempt started
 * @param finishedAt when it reached a final state
 * @param deadline when it should be done at the latest
 * @param queue position and ETA while queued (in the answer to a submission: the position only)
 * @param images links to the images, once succeeded
 * @param preview link to the latest preview image while running
 * @param error why it failed
 * @param cost cost attributed to the job once finished, in dollars, when known
 * @param cancelRequested whether its owner asked to cancel it while it was running
 * @param callbackUrl where webhook events go
 * @param metadata the caller's metadata, echoed back
 * @param scheduler the sampler the job asked for; {@code null}: the model's default
 * @param traceId the id of the job's trace (W3C trace context, 32 hex digits): look the job up in the tracing
 * backend by it; {@code null} for jobs recorded without tracing
 */
@Schema(description = "A job and its state")
public record JobView(String id, JobState state, Lane lane, String model, String prompt,
		@Nullable String negativePrompt, int width, int height, int steps, double guidanceScale, long seed,
		int numImages, @Nullable Progress progress, int attempt, Instant submittedAt, @Nullable Instant startedAt,
		@Nullable Instant finishedAt, @Nullable Instant deadline, @Nullable QueuePosition queue,
		List<ImageLink> images, @Nullable Link preview, @Nullable Error error, @Nullable Double cost,
		boolean cancelRequested, @Nullable String callbackUrl, @Nullable Map<String, @Nullable Object> metadata,
		@Nullable String scheduler,
		@Schema(description = "The id of the job's distributed trace (W3C trace context, 32 lower-case hex digits): "
				+ "the job's spans in every service (submit, enqueue, queue wait, render, state changes, webhooks) "
				+ "share it. Absent for jobs recorded without tracing.",
				example = "4bf92f3577b34da6a3ce929d0e0e4736") @Nullable String traceId) {

	/**
	 * A job just accepted, built from what was recorded rather than read back: {@code QUEUED}, nothing started.
	 * @param message the job as enqueued
	 * @param queue where it was recorded in its lane
	 * @param echo what the job carries beside its request
	 * @return the view
	 */
	static JobView accepted(JobMessage message, QueuePosition queue, Echo echo) {
		return of(message.jobId(), message, Status.queued(queue), echo);
	}

	/**
	 * A job as its request and its recorded status show it.
	 * @param id the id the job is recorded under
	 * @param request the job as enqueued
	 * @param status what has happened to it
	 * @param echo what the job carries beside its request
	 * @return the view
	 */
	static JobView of(String id, JobMessage request, Status status, Echo echo) {
		return new JobView(id, status.state(), request.lane(), request.model(), request.prompt(),
				request.negativePrompt(), request.width(), request.height(), request.steps(), request.guidanceScale(),
				request.seed(), request.numImages(), status.progress(), status.attempt(), request.submittedAt(),
				status.startedAt(), status.finishedAt(), request.deadline(), status.queue(), status.images(),
				status.preview(), status.error(), status.cost(), status.cancelRequested(), echo.callbackUrl(),
				echo.metadata(), request.scheduler(), echo.traceId());
	}

	/**
	 * What has happened to a job: the part of the view its request does not say.
	 *
	 * @param state current state
	 * @param progress steps done, while running or when finished
	 * @param attempt attempts so far; 0 before the first
	 * @param startedAt when its first attempt started
	 * @param finishedAt when it reached a final state
	 * @param queue position and ETA while queued
	 * @param images links to the images, once succeeded
	 * @param preview link to the latest preview image while running
	 * @param error why it failed
	 * @param cost cost attributed to the job once finished, when known
	 * @param cancelRequested whether its owner asked to cancel it while it was running
	 */
	record Status(JobState state, @Nullable Progress progress, int attempt, @Nullable Instant startedAt,
			@Nullable Instant finishedAt, @Nullable QueuePosition queue, List<ImageLink> images, @Nullable Link preview,
			@Nullable Error error, @Nullable Double cost, boolean cancelRequested) {

		/**
		 * A job waiting for its first attempt.
		 * @param queue where it stands in its lane
		 * @return the status
		 */
		static Status queued(@Nullable QueuePosition queue) {
			return new Status(JobState.QUEUED, null, 0, null, null, queue, List.of(), null, null, null, false);
		}

	}

	/**
	 * What a job carries beside its request and echoes back.
	 *
	 * @param callbackUrl where webhook events go
	 * @param metadata the caller's metadata
	 * @param traceId the id of the job's trace, or {@code null} without tracing
	 */
	record Echo(@Nullable String callbackUrl, @Nullable Map<String, @Nullable Object> metadata,
			@Nullable String traceId) {
	}

	/**
	 * Render progress.
	 *
	 * @param step steps done
	 * @param totalSteps steps in all
	 */
	@Schema(description = "Steps done of steps in all")
	public record Progress(int step, int totalSteps) {
	}

	/**
	 * Where a queued job stands. {@code GET /v1/jobs/{id}} reads it live; the answer to {@code POST /v1/jobs} gives
	 * only the position the job was recorded at, with {@code etaReason} {@code not-estimated} and no estimate.
	 *
	 * @param position place in its lane, 1 = next
	 * @param etaSeconds estimated seconds until the job has finished, or {@code null} when unknown or not estimated
	 * @param etaReason how the estimate was made ({@code measured}, {@code measured-cold-start}) or why there is none
	 * ({@code no-measurements}; {@code not-estimated} in the answer to a submission)
	 * @param liveWorkers workers serving the job's model now; {@code null} when not estimated
	 * @param meanRenderSeconds measured mean render time of the model, when known and estimated
	 */
	@Schema(description = "Position in the lane and estimated time to completion. The answer to a submission has "
			+ "only the position the job was recorded at (etaReason not-estimated); GET /v1/jobs/{id} has the live "
			+ "position and ETA.")
	public record QueuePosition(@Schema(example = "3") int position, @Nullable Double etaSeconds, String etaReason,
			@Nullable Integer liveWorkers, @Nullable Double meanRenderSeconds) {
	}

	/**
	 * A presigned link to an image.
	 *
	 * @param index image number, from 0
	 * @param url where to download it until it expires
	 * @param expiresAt when the link stops working
	 */
	@Schema(description = "A presigned, expiring image link")
	public record ImageLink(int index, String url, Instant expiresAt) {
	}

	/**
	 * A presigned link.
	 *
	 * @param url where to download it until it expires
	 * @param expiresAt when the link stops working
	 */
	@Schema(description = "A presigned, expiring link")
	public record Link(String url, Instant expiresAt) {
	}

	/**
	 * Why a job failed.
	 *
	 * @param type stable error type
	 * @param detail explanation
	 */
	@Schema(name = "JobError", description = "Why a job failed")
	public record Error(String type, @Nullable String detail) {
	}

}
