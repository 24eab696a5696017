package dev.kiln.gateway.job;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

@WebMvcTest(JobController.class)
class JobControllerTests {

	private static final String JOB_ID = "019a7b2c-3d4e-7f01-8a2b-3c4d5e6f7a8b";

	@Autowired
	private MockMvcTester mvc;

	@MockitoBean
	private JobService jobs;

	@Test
	void acceptsAValidRequestWithLocation() {
		given(this.jobs.submit(any())).willReturn(queuedJob());
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
		verify(this.jobs, never()).submit(any());
	}

	@Test
	void rejectsWrongTypesNamingTheField() {
		MvcTestResult result = post("""
				{"prompt": "fox", "width": "wide", "height": 512}""");
		assertThat(result).hasStatus(400);
		assertThat(result).bodyJson().extractingPath("$.errors[0].field").isEqualTo("width");
		verify(this.jobs, never()).submit(any());
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
		MvcTestResult result = this.mvc.post().uri("/v1/jobs").contentType(MediaType.APPLICATION_JSON).content("{").exchange();
		assertThat(result).hasStatus(400).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.detail").isEqualTo("The body is missing or is not valid JSON.");
	}

	@Test
	void rejectsOtherContentTypes() {
		MvcTestResult result = this.mvc.post().uri("/v1/jobs").contentType(MediaType.TEXT_PLAIN).content("fox").exchange();
		assertThat(result).hasStatus(415).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson()
			.extractingPath("$.type")
			.isEqualTo("https://kiln.dev/problems/unsupported-media-type");
	}

	@Test
	void answersUnknownJobsWithNotFoundProblem() {
		given(this.jobs.find(JOB_ID)).willThrow(new JobNotFoundException(JOB_ID));
		MvcTestResult result = this.mvc.get().uri("/v1/jobs/{id}", JOB_ID).exchange();
		assertThat(result).hasStatus(404).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/job-not-found");
	}

	@Test
	void answersUnmappedPathsWithNotFoundProblem() {
		MvcTestResult result = this.mvc.get().uri("/v1/nothing-here").exchange();
		assertThat(result).hasStatus(404).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/not-found");
	}

	@Test
	void answersQueueOutageWithRetryAfter() {
		given(this.jobs.submit(any()))
			.willThrow(new QueueUnavailableException("The job queue is not available", new RuntimeException()));
		MvcTestResult result = post("""
				{"prompt": "fox", "width": 512, "height": 512}""");
		assertThat(result).hasStatus(503).hasHeader("Retry-After", "5");
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/service-unavailable");
	}

	private MvcTestResult post(String json) {
		return this.mvc.post().uri("/v1/jobs").contentType(MediaType.APPLICATION_JSON).content(json).exchange();
	}

	private void assertInvalid(MvcTestResult result) {
		assertThat(result).hasStatus(400).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo("https://kiln.dev/problems/invalid-request");
		verify(this.jobs, never()).submit(any());
	}

	private static JobView queuedJob() {
		return new JobView(JOB_ID, JobState.QUEUED, Lane.STANDARD, "kiln-builtin", "a red fox", 512, 384, 20, 7, 1, null,
				0, Instant.parse("2026-11-23T10:00:00Z"), null, null, List.of(), null);
	}

}
