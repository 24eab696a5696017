package dev.kiln.gateway.job;

import java.time.Instant;
import java.util.List;

import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.auth.ApiKeys;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.limit.TenantRateLimiter;
import dev.kiln.gateway.web.ApiProblemException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

@WebMvcTest(JobController.class)
@EnableConfigurationProperties(GatewayApiProperties.class)
class JobControllerTests {

	private static final String JOB_ID = "019a7b2c-3d4e-7f01-8a2b-3c4d5e6f7a8b";

	private static final String KEY = "test-key-0123456789abcdef";

	private static final Caller CALLER = new Caller("acme", false, "test");

	@Autowired
	private MockMvcTester mvc;

	@MockitoBean
	private JobSubmissions submissions;

	@MockitoBean
	private TenantJobs jobs;

	@MockitoBean
	private JobEvents events;

	@MockitoBean
	private ApiKeys keys;

	@MockitoBean
	private TenantRateLimiter limiter;

	@BeforeEach
	void authenticate() {
		given(this.keys.lookup(KEY)).willReturn(Optional.of(CALLER));
		given(this.limiter.tryAcquire(any())).willReturn(new TenantRateLimiter.Decision(true, 40, 39, 1, 1));
	}

	@Test
	void acceptsAValidRequestWithLocation() {
		given(this.submissions.submit(eq(CALLER), any(), isNull())).willReturn(new JobSubmissions.Submission(queuedJob(), false));
		MvcTestResult result = post("""
				{"prompt": "a red fox", "width": 512, "height": 384, "seed": 7}""");
		assertThat(result).hasStatus(202).hasHeader("Location", "http://localhost/v1/jobs/" + JOB_ID);
		assertThat(result).bodyJson().extractingPath("$.state").isEqualTo("QUEUED");
	}

	@Test
	void rejectsSizeThatIsNotAMultipleOfEight() {
		MvcTestResult result = post("""
				{"prompt": "a red fox", "width": 500, "height": 512}""");
		assertInvalid(result);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("width");
		assertThat(result).bodyJson().extractingPath("$.errors[0].message").isEqualTo("must be a multiple of 8");
	}

	@Test
	void listsEveryInvalidField() {
		MvcTestResult result = post("""
				{"prompt": "", "width": 32, "height": 4096, "steps": 0, "numImages": 9, "guidanceScale": 31}""");
		assertInvalid(result);
		assertThat(result).bodyJson()
			.extractingPath("$.errors[*].field")
			.asArray()
			.contains("prompt", "width", "height", "steps", "numImages", "guidanceScale");
	}

	@Test
	void rejectsControlCharactersInThePrompt() {
		MvcTestResult result = post("""
				{"prompt": "a red\\u0007fox", "width": 512, "height": 512}""");
		assertInvalid(result);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("prompt");
	}

	@Test
	void rejectsADeadlineInThePast() {
		MvcTestResult result = post("""
				{"prompt": "fox", "width": 512, "height": 512, "deadline": "2001-01-01T00:00:00Z"}""");
		assertInvalid(result);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("deadline");
	}

	@Test
	void rejectsUnknownFieldsNamingThem() {
		MvcTestResult result = post("""
				{"prompt": "fox", "width": 512, "height": 512, "sampler": "euler"}""");
		assertThat(result).hasStatus(400).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/malformed-request");
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("sampler");
		verify(this.submissions, never()).submit(any(), any(), any());
	}

	@Test
	void rejectsWrongTypesNamingTheField() {
		MvcTestResult result = post("""
				{"prompt": "fox", "width": "wide", "height": 512}""");
		assertThat(result).hasStatus(400);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("width");
		verify(this.submissions, never()).submit(any(), any(), any());
	}

	@Test
	void rejectsAnUnknownLane() {
		MvcTestResult result = post("""
				{"prompt": "fox", "width": 512, "height": 512, "lane": "urgent"}""");
		assertThat(result).hasStatus(400);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("lane");
	}

	@Test
	void rejectsBodiesThatAreNotJson() {
		MvcTestResult result = this.mvc.post().uri("/v1/jobs").header("Authorization", "Bearer " + KEY).contentType(MediaType.APPLICATION_JSON).content("{").exchange();
		assertThat(result).hasStatus(400).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.detail").isEqualTo("The body is missing or is not valid JSON.");
	}

	@Test
	void rejectsOtherContentTypes() {
		MvcTestResult result = this.mvc.post().uri("/v1/jobs").header("Authorization", "Bearer " + KEY).contentType(MediaType.TEXT_PLAIN).content("fox").exchange();
		assertThat(result).hasStatus(415).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson()
			.extractingPath("$.type")
			.isEqualTo("https://kiln.dev/problems/unsupported-media-type");
	}

	@Test
	void answersUnknownJobsWithNotFoundProblem() {
		given(this.jobs.find(CALLER, JOB_ID)).willThrow(new JobNotFoundException(JOB_ID));
		MvcTestResult result = this.mvc.get().uri("/v1/jobs/{id}", JOB_ID).header("Authorization", "Bearer " + KEY).exchange();
		assertThat(result).hasStatus(404).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/job-not-found");
	}

	@Test
	void answersUnmappedPathsWithNotFoundProblem() {
		MvcTestResult result = this.mvc.get().uri("/v1/nothing-here").header("Authorization", "Bearer " + KEY).exchange();
		assertThat(result).hasStatus(404).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/not-found");
	}

	@Test
	void answersQueueOutageWithRetryAfter() {
		given(this.submissions.submit(any(), any(), any()))
			.willThrow(new QueueUnavailableException("The job queue is not available", new RuntimeException()));
		MvcTestResult result = post("""
				{"prompt": "fox", "width": 512, "height": 512}""");
		assertThat(result).hasStatus(503).hasHeader("Retry-After", "5");
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/service-unavailable");
	}

	@Test
	void answersMissingKeyWithUnauthorizedProblem() {
		MvcTestResult result = this.mvc.get().uri("/v1/jobs/{id}", JOB_ID).exchange();
		assertThat(result).hasStatus(401)
			.hasContentType(MediaType.APPLICATION_PROBLEM_JSON)
			.hasHeader("WWW-Authenticate", "Bearer realm=\"kiln\"");
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/unauthorized");
		verify(this.jobs, never()).find(any(), any());
	}

	@Test
	void answersUnknownKeyWithUnauthorizedProblem() {
		given(this.keys.lookup("wrong")).willReturn(Optional.empty());
		MvcTestResult result = this.mvc.get().uri("/v1/jobs/{id}", JOB_ID).header("Authorization", "Bearer wrong").exchange();
		assertThat(result).hasStatus(401);
		assertThat(result).bodyJson().extractingPath("$.detail").isEqualTo("The API key is not valid.");
	}

	@Test
	void acceptsTheKeyInXApiKey() {
		given(this.jobs.find(CALLER, JOB_ID)).willReturn(queuedJob());
		MvcTestResult result = this.mvc.get().uri("/v1/jobs/{id}", JOB_ID).header("X-Api-Key", KEY).exchange();
		assertThat(result).hasStatus(200);
		assertThat(result).bodyJson().extractingPath("$.queue.position").isEqualTo(1);
		assertThat(result).bodyJson().extractingPath("$.queue.etaReason").isEqualTo("no-measurements");
	}

	@Test
	void answersOverRateWithRetryAfterAndRateLimitHeaders() {
		given(this.limiter.tryAcquire("acme")).willReturn(new TenantRateLimiter.Decision(false, 40, 0, 2, 1));
		MvcTestResult result = this.mvc.get().uri("/v1/jobs/{id}", JOB_ID).header("X-Api-Key", KEY).exchange();
		assertThat(result).hasStatus(429)
			.hasHeader("Retry-After", "1")
			.hasHeader("RateLimit-Limit", "40")
			.hasHeader("RateLimit-Remaining", "0")
			.hasHeader("RateLimit-Reset", "2");
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/rate-limited");
		verify(this.jobs, never()).find(any(), any());
	}

	@Test
	void rejectsBodiesOverTheLimitWith413() {
		String prompt = "x".repeat(70 * 1024);
		MvcTestResult result = post("{\"prompt\": \"" + prompt + "\", \"width\": 512, \"height\": 512}");
		assertThat(result).hasStatus(413).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/payload-too-large");
		verify(this.submissions, never()).submit(any(), any(), any());
	}

	@Test
	void rejectsMetadataThatIsNotAnObject() {
		MvcTestResult result = post("""
				{"prompt": "fox", "width": 512, "height": 512, "metadata": [1, 2]}""");
		assertThat(result).hasStatus(400);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("metadata");
	}

	@Test
	void rendersRuleViolationsFromTheServiceAsInvalidRequest() {
		given(this.submissions.submit(any(), any(), any())).willThrow(ApiProblemException
			.invalid(List.of(new ApiProblemException.FieldProblem("model", "is not a known model; known models: kiln-builtin"))));
		MvcTestResult result = post("""
				{"prompt": "fox", "width": 512, "height": 512, "model": "nope"}""");
		assertInvalidProblem(result);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("model");
		assertThat(result).bodyJson().extractingPath("$.errors[0].message").asString().contains("kiln-builtin");
	}

	@Test
	void answersAnIdempotentReplayWith200() {
		given(this.submissions.submit(eq(CALLER), any(), eq("order-17"))).willReturn(new JobSubmissions.Submission(queuedJob(), true));
		MvcTestResult result = this.mvc.post()
			.uri("/v1/jobs")
			.header("Authorization", "Bearer " + KEY)
			.header("Idempotency-Key", "order-17")
			.contentType(MediaType.APPLICATION_JSON)
			.content("""
					{"prompt": "fox", "width": 512, "height": 512}""")
			.exchange();
		assertThat(result).hasStatus(200).hasHeader("Idempotent-Replayed", "true");
	}

	@Test
	void listsWithFiltersAndCursor() {
		given(this.jobs.list(CALLER, JobState.QUEUED, Lane.BATCH, JOB_ID, 5)).willReturn(new JobPage(List.of(queuedJob()), JOB_ID));
		MvcTestResult result = this.mvc.get()
			.uri("/v1/jobs?state=QUEUED&lane=batch&cursor={c}&limit=5", JOB_ID)
			.header("X-Api-Key", KEY)
			.exchange();
		assertThat(result).hasStatus(200);
		assertThat(result).bodyJson().extractingPath("$.nextCursor").isEqualTo(JOB_ID);
		assertThat(result).bodyJson().extractingPath("$.jobs[0].id").isEqualTo(JOB_ID);
	}

	@Test
	void rejectsAnOutOfRangePageSizeNamingTheParameter() {
		MvcTestResult result = this.mvc.get().uri("/v1/jobs?limit=500").header("X-Api-Key", KEY).exchange();
		assertInvalidProblem(result);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("limit");
	}

	@Test
	void rejectsAnUnknownStateFilter() {
		MvcTestResult result = this.mvc.get().uri("/v1/jobs?state=DONE").header("X-Api-Key", KEY).exchange();
		assertInvalidProblem(result);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("state");
	}

	@Test
	void answersCancellingAFinishedJobWithConflict() {
		given(this.jobs.cancel(CALLER, JOB_ID)).willThrow(new JobFinishedException(JOB_ID, "SUCCEEDED"));
		MvcTestResult result = this.mvc.delete().uri("/v1/jobs/{id}", JOB_ID).header("X-Api-Key", KEY).exchange();
		assertThat(result).hasStatus(409).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().isStrictlyEqualTo(json("""
				{"type": "https://kiln.dev/problems/job-finished", "title": "Job finished", "status": 409,
				 "detail": "Job %s is SUCCEEDED and can no longer be cancelled.", "instance": "/v1/jobs/%s"}"""
			.formatted(JOB_ID, JOB_ID)));
	}

	@Test
	void answersATenantOverItsQueuedJobQuotaWith429AndRetryAfter() {
		given(this.submissions.submit(any(), any(), any())).willThrow(new QuotaExceededException("acme", 2));
		MvcTestResult result = post("""
				{"prompt": "fox", "width": 512, "height": 512}""");
		assertThat(result).hasStatus(429).hasHeader("Retry-After", "10")
			.hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().isStrictlyEqualTo(json("""
				{"type": "https://kiln.dev/problems/quota-exceeded", "title": "Too many queued jobs", "status": 429,
				 "detail": "Tenant 'acme' has 2 jobs waiting, its quota; submit more when some have started.",
				 "instance": "/v1/jobs"}"""));
	}

	@Test
	void answersAReusedIdempotencyKeyWith422NamingTheHeader() {
		given(this.submissions.submit(any(), any(), any())).willThrow(IdempotencyKeyReusedException.forOtherBody(JOB_ID));
		MvcTestResult result = post("""
				{"prompt": "fox", "width": 512, "height": 512}""");
		assertThat(result).hasStatus(422).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().isStrictlyEqualTo(json("""
				{"type": "https://kiln.dev/problems/idempotency-key-reused", "title": "Idempotency key reused",
				 "status": 422, "instance": "/v1/jobs",
				 "detail": "The Idempotency-Key was used before with a different request body (job %s).",
				 "errors": [{"field": "Idempotency-Key", "message": "was used with a different body"}]}"""
			.formatted(JOB_ID)));
		org.mockito.BDDMockito.willThrow(IdempotencyKeyReusedException.forGoneJob())
			.given(this.submissions)
			.submit(any(), any(), any());
		assertThat(post("""
				{"prompt": "fox", "width": 512, "height": 512}""")).bodyJson().isStrictlyEqualTo(json("""
				{"type": "https://kiln.dev/problems/idempotency-key-reused", "title": "Idempotency key reused",
				 "status": 422, "instance": "/v1/jobs",
				 "detail": "The Idempotency-Key was used before for a job that no longer exists; use a new key.",
				 "errors": [{"field": "Idempotency-Key", "message": "was used before"}]}"""));
	}

	@Test
	void answersAMissingImageWithNotFoundProblem() {
		given(this.jobs.image(CALLER, JOB_ID, 1)).willThrow(new ImageNotFoundException(JOB_ID, 1, "SUCCEEDED"));
		MvcTestResult result = this.mvc.get().uri("/v1/jobs/{id}/images/1", JOB_ID).header("X-Api-Key", KEY).exchange();
		assertThat(result).hasStatus(404).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().isStrictlyEqualTo(json("""
				{"type": "https://kiln.dev/problems/image-not-found", "title": "Image not found", "status": 404,
				 "detail": "Job %s has 1 image and is SUCCEEDED.", "instance": "/v1/jobs/%s/images/1"}"""
			.formatted(JOB_ID, JOB_ID)));
	}

	@Test
	void answersCancellingARunningJobWithAccepted() {
		given(this.jobs.cancel(CALLER, JOB_ID)).willReturn(new TenantJobs.Cancellation(queuedJob(), false));
		MvcTestResult result = this.mvc.delete().uri("/v1/jobs/{id}", JOB_ID).header("X-Api-Key", KEY).exchange();
		assertThat(result).hasStatus(202);
	}

	@Test
	void redirectsToAFreshImageLink() {
		given(this.jobs.image(CALLER, JOB_ID, 0)).willReturn(new JobView.ImageLink(0, "https://s3.example/img?X-Amz-Signature=1",
				Instant.parse("2030-01-01T00:00:00Z")));
		MvcTestResult result = this.mvc.get().uri("/v1/jobs/{id}/images/0", JOB_ID).header("X-Api-Key", KEY).exchange();
		assertThat(result).hasStatus(302).hasHeader("Location", "https://s3.example/img?X-Amz-Signature=1");
	}

	private void assertInvalidProblem(MvcTestResult result) {
		assertThat(result).hasStatus(400).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/invalid-request");
	}

	private static org.springframework.core.io.Resource json(String json) {
		return new org.springframework.core.io.ByteArrayResource(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
	}

	private MvcTestResult post(String json) {
		return this.mvc.post().uri("/v1/jobs").header("Authorization", "Bearer " + KEY).contentType(MediaType.APPLICATION_JSON).content(json).exchange();
	}

	private void assertInvalid(MvcTestResult result) {
		assertThat(result).hasStatus(400).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/invalid-request");
		verify(this.submissions, never()).submit(any(), any(), any());
	}

	private static JobView queuedJob() {
		return new JobView(JOB_ID, JobState.QUEUED, Lane.STANDARD, "kiln-builtin", "a red fox", null, 512, 384, 20, 7.5,
				7, 1, null, 0, Instant.parse("2026-11-23T10:00:00Z"), null, null, null,
				new JobView.QueuePosition(1, null, "no-measurements", 0, null), List.of(), null, null, null, false, null,
				null, null, null);
	}

}
