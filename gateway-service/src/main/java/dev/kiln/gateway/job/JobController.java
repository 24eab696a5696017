package dev.kiln.gateway.job;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;

import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/** Submit a job, read its status. */
@RestController
@RequestMapping(path = "/v1/jobs", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Jobs", description = "Submit generation jobs and follow them")
class JobController {

	private final JobService jobs;

	JobController(JobService jobs) {
		this.jobs = jobs;
	}

	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Submit a generation job",
			description = "Validates the request, records the job as QUEUED and enqueues it. Nothing is recorded or "
					+ "enqueued for a rejected request.")
	@ApiResponse(responseCode = "202", description = "Accepted; Location names the job")
	@ApiResponse(responseCode = "400", description = "Invalid request",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "503", description = "The queue is unavailable; retry later",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					schema = @Schema(implementation = ProblemDetail.class)))
	ResponseEntity<JobView> submit(@Valid @RequestBody SubmitJobRequest request, UriComponentsBuilder uris) {
		JobView job = this.jobs.submit(request);
		return ResponseEntity.accepted().location(uris.path("/v1/jobs/{id}").build(job.id())).body(job);
	}

	@GetMapping("/{id}")
	@Operation(summary = "Get a job",
			description = "State, progress and timestamps; presigned image links once the job has succeeded.")
	@ApiResponse(responseCode = "200", description = "The job")
	@ApiResponse(responseCode = "404", description = "No such job",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					schema = @Schema(implementation = ProblemDetail.class)))
	JobView get(@PathVariable String id) {
		return this.jobs.find(id);
	}

}
