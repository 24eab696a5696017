package dev.kiln.gateway.job;

import java.net.URI;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.util.UriComponentsBuilder;

import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.gateway.auth.Caller;

/** Submit, read, list, cancel and follow jobs of the caller's tenant. */
@RestController
@RequestMapping(path = "/v1/jobs", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Jobs", description = "Submit generation jobs and follow them")
@ApiResponse(responseCode = "401", description = "Missing or invalid API key", content = @Content(
		mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class),
		examples = @ExampleObject(value = """
				{"type": "https://kiln.dev/problems/unauthorized", "title": "Unauthorized", "status": 401,
				 "detail": "The API key is not valid.", "instance": "/v1/jobs"}""")))
@ApiResponse(responseCode = "429", description = "Over the tenant's request rate; see Retry-After",
		headers = @Header(name = "Retry-After", description = "Seconds to wait", schema = @Schema(type = "integer")),
		content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
				schema = @Schema(implementation = ProblemDetail.class)))
@RequiredArgsConstructor
class JobController {

	static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";

	/** 302 Found (RFC 9110, section 15.4.3), as a number: {@code job} names no HTTP status constants. */
	private static final int FOUND = 302;

	private final JobSubmissions submissions;

	private final TenantJobs jobs;

	private final JobEvents events;

	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(operationId = "submitJob", summary = "Submit a generation job",
			description = "Validates the request, records the job as QUEUED and enqueues it on its lane. Nothing is "
					+ "recorded or enqueued for a rejected request. With an Idempotency-Key, repeating the same body "
					+ "within 24 h answers 200 with the original job instead of creating another. The 202 answer "
					+ "gives the job's queue position when it was recorded but no estimate (queue.etaReason "
					+ "not-estimated); GET /v1/jobs/{id} has the live position and ETA.")
	@ApiResponse(responseCode = "202", description = "Accepted; Location names the job",
			headers = @Header(name = "Location", description = "The job's URL", schema = @Schema(type = "string")))
	@ApiResponse(responseCode = "200", description = "The job an earlier request with this Idempotency-Key created",
			headers = @Header(name = IDEMPOTENT_REPLAYED, description = "true", schema = @Schema(type = "string")))
	@ApiResponse(responseCode = "400", description = "Invalid or malformed request; errors lists each field",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					schema = @Schema(implementation = ProblemDetail.class), examples = @ExampleObject(value = """
							{"type": "https://kiln.dev/problems/invalid-request", "title": "Invalid request",
							 "status": 400, "detail": "The request has 1 invalid field.", "instance": "/v1/jobs",
							 "errors": [{"field": "width", "message": "must be a multiple of 8"}]}""")))
	@ApiResponse(responseCode = "413", description = "The body is larger than 64 KiB", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "415", description = "Not application/json", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "422", description = "The Idempotency-Key was used with a different body",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "503", description = "The queue is unavailable; retry later", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	ResponseEntity<JobView> submit(@Parameter(hidden = true) Caller caller,
			@Valid @RequestBody SubmitJobRequest request,
			@Parameter(in = ParameterIn.HEADER, description = "Makes retries safe: the same key and body within 24 h "
					+ "answer with the original job", example = "order-A-17") @RequestHeader(
							name = "Idempotency-Key", required = false) @Nullable String idempotencyKey,
			UriComponentsBuilder uris) {
		JobSubmissions.Submission submission = this.submissions.submit(caller, request, idempotencyKey);
		JobView job = submission.job();
		ResponseEntity.BodyBuilder response = submission.replayed()
				? ResponseEntity.ok().header(IDEMPOTENT_REPLAYED, "true") : ResponseEntity.accepted();
		return response.location(uris.path("/v1/jobs/{id}").build(job.id())).body(job);
	}

	@GetMapping
	@Operation(operationId = "listJobs", summary = "List jobs",
			description = "The caller's jobs, newest first, optionally only those in one state or lane. Pass "
					+ "nextCursor as cursor for the next page.")
	@ApiResponse(responseCode = "200", description = "A page of jobs")
	@ApiResponse(responseCode = "400", description = "Invalid parameter", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	JobPage list(@Parameter(hidden = true) Caller caller,
			@Parameter(description = "Only jobs in this state") @RequestParam(required = false) @Nullable JobState state,
			@Parameter(description = "Only jobs in this lane",
					schema = @Schema(allowableValues = { "interactive", "standard", "batch" })) @RequestParam(
							required = false) @Nullable Lane lane,
			@Parameter(description = "nextCursor of the previous page") @RequestParam(
					required = false) @Nullable String cursor,
			@Parameter(description = "Jobs per page") @RequestParam(defaultValue = "20") @Min(1) @Max(100) int limit) {
		return this.jobs.list(caller, state, lane, cursor, limit);
	}

	@GetMapping("/{id}")
	@Operation(operationId = "getJob", summary = "Get a job",
			description = "State, progress, attempts and timestamps; queue position and ETA while queued; presigned "
					+ "image links once succeeded; error type and detail once failed; cost once known. Another "
					+ "tenant's job answers 404 exactly like an unknown id.")
	@ApiResponse(responseCode = "200", description = "The job")
	@ApiResponse(responseCode = "404", description = "No such job", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	JobView get(@Parameter(hidden = true) Caller caller, @PathVariable String id) {
		return this.jobs.find(caller, id);
	}

	@DeleteMapping("/{id}")
	@Operation(operationId = "cancelJob", summary = "Cancel a job",
			description = "A queued job becomes CANCELLED at once and is never rendered (200). A running job is "
					+ "asked to stop and becomes CANCELLED within one step (202). A finished job answers 409.")
	@ApiResponse(responseCode = "200", description = "Cancelled")
	@ApiResponse(responseCode = "202", description = "Running; its worker was asked to stop")
	@ApiResponse(responseCode = "404", description = "No such job", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "409", description = "The job has finished", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	ResponseEntity<JobView> cancel(@Parameter(hidden = true) Caller caller, @PathVariable String id) {
		TenantJobs.Cancellation cancellation = this.jobs.cancel(caller, id);
		return cancellation.cancelled() ? ResponseEntity.ok(cancellation.job())
				: ResponseEntity.accepted().body(cancellation.job());
	}

	@GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	@Operation(operationId = "followJobEvents", summary = "Follow a job's events",
			description = "Server-Sent Events: 'state' events on every state change and 'progress' events on every "
					+ "step, with a presigned preview link when the worker published one. Data is JSON {jobId, state, "
					+ "step, totalSteps, preview?, errorType?, at}. The stream ends after the terminal state; "
					+ "reconnect with Last-Event-ID to resume after the last event received.")
	@ApiResponse(responseCode = "200", description = "The event stream",
			content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(type = "string"),
					examples = @ExampleObject(value = """
							id: 1763870400000-0
							event: progress
							data: {"jobId":"019a7b2c-3d4e-7f01-8a2b-3c4d5e6f7a8b","state":"RUNNING","step":3,"totalSteps":20}
							""")))
	@ApiResponse(responseCode = "404", description = "No such job", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	SseEmitter events(@Parameter(hidden = true) Caller caller, @PathVariable String id,
			@Parameter(in = ParameterIn.HEADER, description = "Resume after this event id") @RequestHeader(
					name = "Last-Event-ID", required = false) @Nullable String lastEventId) {
		this.jobs.record(caller, id);
		return this.events.stream(id, lastEventId);
	}

	@GetMapping(path = "/{id}/images/{n}", produces = MediaType.ALL_VALUE)
	@Operation(operationId = "getJobImage", summary = "Download an image",
			description = "Redirects (302) to a fresh presigned URL of image n (from 0) of a succeeded job.")
	@ApiResponse(responseCode = "302", description = "Location is the presigned image URL",
			headers = @Header(name = "Location", description = "Presigned URL", schema = @Schema(type = "string")))
	@ApiResponse(responseCode = "404", description = "No such job or image", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	ResponseEntity<Void> image(@Parameter(hidden = true) Caller caller, @PathVariable String id,
			@Parameter(description = "Image number, from 0") @PathVariable("n") int n) {
		JobView.ImageLink link = this.jobs.image(caller, id, n);
		return ResponseEntity.status(FOUND)
			.location(URI.create(link.url()))
			.cacheControl(CacheControl.noStore())
			.build();
	}

}
