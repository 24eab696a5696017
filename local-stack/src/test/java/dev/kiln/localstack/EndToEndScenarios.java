package dev.kiln.localstack;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import io.lettuce.core.RedisClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.Ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * End to end over real HTTP: gateway → SQS → worker (DJL) → S3 → events → queue service → Redis → status, with all
 * four services running. Subclasses start the stack against the embedded SQS, S3 and Redis
 * ({@link LocalStackIntegrationTests}) or against LocalStack and Redis containers where Docker exists
 * ({@link LocalStackContainersIntegrationTests}); the scenarios are the same.
 */
abstract class EndToEndScenarios {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static LocalStack stack;

	private static RestClient gateway;

	/** Called by each subclass's {@code @BeforeAll} with the stack it started. */
	static void use(LocalStack started) {
		stack = started;
		gateway = client(stack.gatewayUrl());
	}

	@AfterAll
	static void stop() {
		if (stack != null) {
			stack.close();
			stack = null;
		}
	}

	@Test
	void promptInPngOut() throws IOException {
		JsonNode done = runJob("""
				{"prompt": "a lighthouse at dusk", "width": 192, "height": 128, "steps": 6, "seed": 11}""");
		assertThat(done.get("state").asString()).isEqualTo("SUCCEEDED");
		assertThat(done.get("startedAt").isNull()).isFalse();
		assertThat(done.get("finishedAt").isNull()).isFalse();
		assertThat(done.get("progress").get("step").asInt()).isEqualTo(6);
		assertThat(done.get("attempt").asInt()).isEqualTo(1);
		BufferedImage image = ImageIO.read(new ByteArrayInputStream(download(done, 0)));
		assertThat(image).isNotNull();
		assertThat(image.getWidth()).isEqualTo(192);
		assertThat(image.getHeight()).isEqualTo(128);
	}

	@Test
	void theApiNeedsTheKeyTheStackPrinted() {
		HttpStatus status = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.baseUrl(stack.gatewayUrl())
			.build()
			.get()
			.uri("/v1/jobs")
			.exchange((request, response) -> HttpStatus.valueOf(response.getStatusCode().value()));
		assertThat(status).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(stack.summary(true)).contains(stack.apiKey());
	}

	@Test
	void samePromptAndSeedGiveTheSameBytesAndAnotherPromptDoesNot() {
		byte[] first = download(runJob("""
				{"prompt": "a red fox in snow", "width": 64, "height": 64, "steps": 4, "seed": 5}"""), 0);
		byte[] again = download(runJob("""
				{"prompt": "a red fox in snow", "width": 64, "height": 64, "steps": 4, "seed": 5}"""), 0);
		byte[] other = download(runJob("""
				{"prompt": "a blue whale at sea", "width": 64, "height": 64, "steps": 4, "seed": 5}"""), 0);
		assertThat(again).isEqualTo(first);
		assertThat(other).isNotEqualTo(first);
	}

	@Test
	void invalidRequestIsAProblemAndLeavesEveryQueueEmpty() {
		ResponseEntity<JsonNode> response = gateway.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"prompt": "", "width": 65, "height": 64, "lane": "batch"}""")
			.exchange((request, r) -> ResponseEntity.status(r.getStatusCode())
				.headers(r.getHeaders())
				.body(r.bodyTo(JsonNode.class)));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.getBody().get("errors").findValuesAsString("field")).contains("prompt", "width");
		try (SqsClient sqs = sqs()) {
			String url = sqs.getQueueUrl((b) -> b.queueName(QueueNames.defaults().jobs(Lane.BATCH))).queueUrl();
			var attributes = sqs.getQueueAttributes((b) -> b.queueUrl(url).attributeNames(QueueAttributeName.ALL))
				.attributes();
			assertThat(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).isEqualTo("0");
			assertThat(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).isEqualTo("0");
		}
	}

	@Test
	void advisorAsksForWorkersWhileJobsWaitAndForNoneAfterwards() {
		RestClient advisor = client(stack.advisorUrl());
		AtomicInteger highest = new AtomicInteger();
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			ids.add(submit("""
					{"prompt": "a busy harbour", "width": 512, "height": 512, "steps": 40, "lane": "batch"}""")
				.get("id")
				.asString());
		}
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
			highest.accumulateAndGet(desired(advisor), Math::max);
			return highest.get() > 0;
		});
		for (String id : ids) {
			awaitDone(id);
		}
		await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(desired(advisor)).isZero());
	}

	@Test
	void aDeadLetteredJobIsMarkedFailedAndRedrivenToSuccess() {
		// A job whose every delivery failed: its record says attempt 3 and its message sits in the lane's DLQ, as
		// SQS leaves it after maxReceiveCount receives (that path itself is tested in queue-service).
		JobMessage job = new JobMessage(1, JobIds.next(), "demo", "kiln-builtin", "a storm over the sea", null, 64, 64,
				3, 7.5, 3, 1, Lane.BATCH, Instant.now(), null);
		String body = JSON.writeValueAsString(job);
		Map<String, String> backend = stack.backendProperties();
		RedisClient redis = RedisClient.create(
				"redis://" + backend.get("spring.data.redis.host") + ":" + backend.get("spring.data.redis.port"));
		try (var connection = redis.connect()) {
			connection.sync()
				.hset(RedisKeys.job(job.jobId()),
						Map.of(JobFields.STATE, "RETRYING", JobFields.TENANT, "demo", JobFields.LANE, "batch",
								JobFields.REQUEST, body, JobFields.SUBMITTED_AT, job.submittedAt().toString(),
								JobFields.UPDATED_AT, job.submittedAt().toString(), JobFields.ATTEMPT, "3",
								JobFields.STEP, "0", JobFields.TOTAL_STEPS, "3"));
			connection.sync().zadd(RedisKeys.tenantJobs("demo"), job.submittedAt().toEpochMilli(), job.jobId());
		}
		finally {
			redis.shutdown();
		}
		try (SqsClient sqs = sqs()) {
			String dlq = sqs.getQueueUrl((b) -> b.queueName(QueueNames.defaults().deadLetters(Lane.BATCH))).queueUrl();
			sqs.sendMessage((b) -> b.queueUrl(dlq).messageBody(body));
		}

		JsonNode failed = awaitState(job.jobId(), "FAILED", Duration.ofSeconds(60));
		assertThat(failed.get("error").get("type").asString()).isEqualTo("exhausted-retries");

		JsonNode redrive = client(stack.queueServiceUrl()).post()
			.uri("/admin/v1/lanes/batch/redrive")
			.retrieve()
			.body(JsonNode.class);
		assertThat(redrive.get("moved").asInt()).isEqualTo(1);

		JsonNode done = awaitDone(job.jobId());
		assertThat(done.get("state").asString()).isEqualTo("SUCCEEDED");
		assertThat(done.get("error").isNull()).isTrue();
		assertThat(download(done, 0)).isNotEmpty();
	}

	@Test
	void theDemoCommandSavesThePng(@TempDir Path images) throws IOException {
		LocalStackOptions options = LocalStackOptions.parse("--prompt", "a paper crane", "--width", "64", "--height",
				"64", "--steps", "3", "--seed", "9");
		Path saved;
		try (DemoJob job = new DemoJob(stack.gatewayUrl(), stack.apiKey(), images)) {
			saved = job.run(options);
		}
		try (var files = Files.list(images)) {
			assertThat(files.toList()).containsExactly(saved);
		}
		assertThat(ImageIO.read(saved.toFile()).getWidth()).isEqualTo(64);
	}

	@Test
	void aTakenPortStopsStartUpNamingTheOption(@TempDir Path work) {
		int taken = stack.ports().get("gateway");
		LocalStackOptions clash = new LocalStackOptions(taken, 0, 0, 0, 0, 0, 0, 0, work, null, 64, 64, 1, null, false, null,
				null);
		assertThatExceptionOfType(Ports.PortInUseException.class).isThrownBy(() -> LocalStack.start(clash))
			.withMessageContaining("Port " + taken)
			.withMessageContaining("--gateway-port");
	}

	private static int desired(RestClient advisor) {
		return advisor.get().uri("/v1/scaling").retrieve().body(JsonNode.class).get("desiredWorkers").asInt();
	}

	private static JsonNode runJob(String body) {
		return awaitDone(submit(body).get("id").asString());
	}

	private static JsonNode submit(String body) {
		ResponseEntity<JsonNode> accepted = gateway.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.retrieve()
			.toEntity(JsonNode.class);
		assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		return accepted.getBody();
	}

	private static JsonNode awaitState(String id, String state, Duration timeout) {
		JsonNode[] job = new JsonNode[1];
		await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
			job[0] = gateway.get().uri("/v1/jobs/{id}", id).retrieve().body(JsonNode.class);
			return job[0].get("state").asString().equals(state);
		});
		return job[0];
	}

	private static JsonNode awaitDone(String id) {
		JsonNode[] job = new JsonNode[1];
		await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
			job[0] = gateway.get().uri("/v1/jobs/{id}", id).retrieve().body(JsonNode.class);
			String state = job[0].get("state").asString();
			return state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED");
		});
		return job[0];
	}

	private static byte[] download(JsonNode job, int index) {
		assertThat(job.get("state").asString()).isEqualTo("SUCCEEDED");
		// A presigned URL carries its own signature: no API key, no Authorization header.
		return RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.build()
			.get()
			.uri(URI.create(job.get("images").get(index).get("url").asString()))
			.retrieve()
			.body(byte[].class);
	}

	// The JDK client, with the demo key: Apache HttpClient (on the test class path) silently retries 429 and 503.
	private static RestClient client(String baseUrl) {
		return RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.baseUrl(baseUrl)
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + stack.apiKey())
			.build();
	}

	private static SqsClient sqs() {
		return SqsClient.builder()
			.endpointOverride(URI.create(stack.backendProperties().get("spring.cloud.aws.sqs.endpoint")))
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k")))
			.build();
	}

}
