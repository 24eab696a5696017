package dev.kiln.queue.lane;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.queue.OperationsContext;
import dev.kiln.queue.tracing.JobTraces;
import dev.kiln.queue.web.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Dead letters, redrive through the admin API, lane figures and their gauges, against real SQS and Redis protocols.
 */
class LaneOperationsIntegrationTests extends OperationsContext {

	private static final String ADMIN_KEY = "kiln-test-admin-key";

	private static final String USER_KEY = "kiln-test-user-key";

	@Autowired
	private DeadLetters deadLetters;

	private RestClient http;

	@BeforeEach
	void setUp() {
		this.http = RestClient.builder().baseUrl("http://localhost:" + this.port).build();
		key(ADMIN_KEY, true);
		key(USER_KEY, false);
	}

	@Test
	void aJobThatExhaustsItsDeliveriesIsFailedFromTheDeadLetterQueueAndRedriveQueuesItAgain() {
		JobMessage job = queuedJob(Lane.BATCH, "default");
		String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
		this.redis.opsForHash().put(RedisKeys.job(job.jobId()), JobFields.TRACEPARENT, traceparent);
		String jobs = url(QUEUES.jobs(Lane.BATCH));
		send(jobs, job);
		deliverWithoutResult(jobs);

		assertThat(this.deadLetters.sweep(Lane.BATCH)).isEqualTo(1);
		assertThat(field(job.jobId(), JobFields.STATE)).isEqualTo("FAILED");
		assertThat(field(job.jobId(), JobFields.ERROR_TYPE)).isEqualTo("exhausted-retries");
		assertThat(field(job.jobId(), JobFields.ATTEMPT)).isEqualTo("2");
		assertThat(field(job.jobId(), JobFields.ERROR_DETAIL)).contains("2 times");
		// the message stays for an operator; sweeping again changes nothing
		assertThat(this.deadLetters.sweep(Lane.BATCH)).isZero();
		assertThat(deadLetterDepth(Lane.BATCH)).isEqualTo(1);
		JsonNode lanes = this.json.readTree(admin().get().uri("/admin/v1/lanes").retrieve().body(String.class));
		JsonNode batch = lanes.get("lanes").get(2);
		assertThat(batch.get("lane").asString()).isEqualTo("batch");
		assertThat(batch.get("deadLetters").asLong()).isEqualTo(1);
		assertThat(batch.get("oldestDeadLetterSeconds").isNumber()).isTrue();
		assertThat(this.meters.get("kiln.lane.dead.letters").tag("lane", "batch").gauge().value()).isEqualTo(1);

		JsonNode redriven = this.json.readTree(
				admin().post().uri("/admin/v1/lanes/batch/redrive").retrieve().body(String.class));
		assertThat(redriven.get("moved").asInt()).isEqualTo(1);
		assertThat(deadLetterDepth(Lane.BATCH)).isZero();
		assertThat(field(job.jobId(), JobFields.STATE)).isEqualTo("QUEUED");
		assertThat(field(job.jobId(), JobFields.ATTEMPT)).isEqualTo("0");
		assertThat(field(job.jobId(), JobFields.ERROR_TYPE)).isNull();
		assertThat(this.redis.getExpire(RedisKeys.job(job.jobId()))).isEqualTo(-1L);
		assertThat(this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.BATCH), job.jobId()))
			.isEqualTo((double) job.submittedAt().toEpochMilli());
		// the job is rendered again from attempt 1, in its trace
		List<Message> again = this.sqs
			.receiveMessage((request) -> request.queueUrl(jobs)
				.waitTimeSeconds(1)
				.messageAttributeNames(JobTraces.MESSAGE_ATTRIBUTES))
			.join()
			.messages();
		assertThat(again).singleElement().satisfies((message) -> {
			assertThat(message.body()).contains(job.jobId());
			assertThat(message.messageAttributes().get("traceparent").stringValue()).isEqualTo(traceparent);
		});
		assertThat(this.stateMachine.apply(JobEvent.started(job.jobId(), 4, 1, "w9", Instant.now())))
			.hasToString("QUEUED>RUNNING");
		assertThat(this.stateMachine.apply(
				JobEvent.succeeded(job.jobId(), 4, List.of("a.png"), 1, "w9", Instant.now())))
			.hasToString("RUNNING>SUCCEEDED");
	}

	@Test
	void redriveDiscardsMessagesOfJobsThatSucceededMeanwhileOrExpired() {
		JobMessage job = queuedJob(Lane.INTERACTIVE, "default");
		send(url(QUEUES.deadLetters(Lane.INTERACTIVE)), job);
		this.stateMachine.apply(JobEvent.succeeded(job.jobId(), 4, List.of("a.png"), 1, "w1", Instant.now()));
		JobMessage expired = queuedJob(Lane.INTERACTIVE, "default");
		send(url(QUEUES.deadLetters(Lane.INTERACTIVE)), expired);
		this.redis.delete(RedisKeys.job(expired.jobId()));
		JsonNode redriven = this.json.readTree(
				admin().post().uri("/admin/v1/lanes/INTERACTIVE/redrive").retrieve().body(String.class));
		assertThat(redriven.get("moved").asInt()).isZero();
		assertThat(redriven.get("discarded").asInt()).isEqualTo(2);
		assertThat(deadLetterDepth(Lane.INTERACTIVE)).isZero();
		assertThat(receive(url(QUEUES.jobs(Lane.INTERACTIVE)))).isEmpty();
		assertThat(field(job.jobId(), JobFields.STATE)).isEqualTo("SUCCEEDED");
	}

	@Test
	void theAdminApiNeedsAnAdminKeyAndAnswersProblems() {
		assertProblem(this.http.get().uri("/admin/v1/lanes"), 401, "unauthorized");
		assertProblem(this.http.get().uri("/admin/v1/lanes").header(HttpHeaders.AUTHORIZATION, "Bearer nope"), 401,
				"unauthorized");
		assertProblem(this.http.post().uri("/admin/v1/lanes/batch/redrive").header("X-Api-Key", USER_KEY), 403,
				"forbidden");
		assertProblem(admin().post().uri("/admin/v1/lanes/express/redrive"), 404, "lane-not-found");
		assertProblem(admin().get().uri("/admin/v1/nothing-here"), 404, "not-found");
		assertProblem(admin().delete().uri("/admin/v1/lanes"), 405, "method-not-allowed");
		String lanes = this.http.get()
			.uri("/admin/v1/lanes")
			.header("X-Api-Key", ADMIN_KEY)
			.retrieve()
			.body(String.class);
		assertThat(this.json.readTree(lanes).get("lanes")).extracting((lane) -> lane.get("lane").asString())
			.containsExactly("interactive", "standard", "batch");
	}

	@Test
	void laneFiguresCountWaitingJobsAndMessages() {
		JobMessage job = queuedJob(Lane.STANDARD, "default");
		send(url(QUEUES.jobs(Lane.STANDARD)), job);
		JsonNode standard = this.json.readTree(admin().get().uri("/admin/v1/lanes").retrieve().body(String.class))
			.get("lanes")
			.get(1);
		assertThat(standard.get("visible").asLong()).isEqualTo(1);
		assertThat(standard.get("inFlight").asLong()).isZero();
		assertThat(standard.get("waiting").asLong()).isPositive();
		assertThat(standard.get("oldestWaitingSeconds").asLong()).isGreaterThanOrEqualTo(0);
		assertThat(this.meters.get("kiln.jobs").tag("state", "waiting").tag("lane", "standard").gauge().value())
			.isPositive();
		assertThat(this.meters.get("kiln.lane.messages").tag("lane", "standard").tag("kind", "visible").gauge().value())
			.isEqualTo(1);
	}

	private void assertProblem(RestClient.RequestHeadersSpec<?> request, int status, String type) {
		request.exchange((req, response) -> {
			assertThat(response.getStatusCode()).isEqualTo(HttpStatusCode.valueOf(status));
			assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
			JsonNode problem = this.json.readTree(response.getBody().readAllBytes());
			assertThat(problem.get("type").asString()).isEqualTo("https://kiln.dev/problems/" + type);
			assertThat(problem.get("status").asInt()).isEqualTo(status);
			return null;
		});
	}

	private RestClient admin() {
		return this.http.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_KEY).build();
	}

	private void key(String key, boolean admin) {
		this.redis.opsForHash()
			.putAll(RedisKeys.apiKey(TestKeys.sha256Hex(key)),
					Map.of("tenant", "default", "admin", Boolean.toString(admin), "name", "test"));
	}

	/** Receives the job as a crashing worker would, until SQS moves it to the dead-letter queue. */
	private void deliverWithoutResult(String url) {
		await().atMost(Duration.ofSeconds(15)).until(() -> {
			receive(url);
			return deadLetterDepth(Lane.BATCH) == 1;
		});
	}

	private long deadLetterDepth(Lane lane) {
		return depth(QUEUES.deadLetters(lane));
	}

}
