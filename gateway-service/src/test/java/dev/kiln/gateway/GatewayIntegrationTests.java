package dev.kiln.gateway;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway over real HTTP against real SQS, S3 and Redis protocols (the embedded stand-ins). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwtest", "kiln.storage.bucket=gwtest-images" })
class GatewayIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("gwtest");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	private int port;

	@Autowired
	private SqsAsyncClient sqs;

	@Autowired
	private S3Client s3;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private JsonMapper json;

	@BeforeAll
	static void createQueuesAndBucket(@Autowired SqsAsyncClient sqs, @Autowired S3Client s3) {
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(QUEUES.jobs(lane))).join();
		}
		s3.createBucket((b) -> b.bucket("gwtest-images"));
	}

	@Test
	void acceptedJobIsRecordedAsQueuedAndEnqueuedOnItsLane() {
		ResponseEntity<JsonNode> response = submit("""
				{"prompt": "a red fox", "width": 128, "height": 64, "seed": 42, "lane": "interactive"}""");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		String id = response.getBody().get("id").asString();
		assertThat(response.getHeaders().getLocation()).hasPath("/v1/jobs/" + id);
		assertThat(response.getBody().get("seed").asLong()).isEqualTo(42);

		Map<Object, Object> record = this.redis.opsForHash().entries(RedisKeys.job(id));
		assertThat(record).containsEntry(JobFields.STATE, "QUEUED").containsEntry(JobFields.LANE, "interactive");
		assertThat(this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.INTERACTIVE), id)).isNotNull();

		List<Message> messages = receive(Lane.INTERACTIVE);
		assertThat(messages).hasSize(1);
		JobMessage message = this.json.readValue(messages.get(0).body(), JobMessage.class);
		assertThat(message.jobId()).isEqualTo(id);
		assertThat(message.prompt()).isEqualTo("a red fox");
		assertThat(message.width()).isEqualTo(128);
		assertThat(message.steps()).isEqualTo(20);
		assertThat(message.model()).isEqualTo("kiln-builtin");
	}

	@Test
	void rejectedRequestLeavesTheQueueEmpty() {
		int before = visible(Lane.STANDARD);
		ResponseEntity<JsonNode> response = submit("""
				{"prompt": "a red fox", "width": 100, "height": 64}""");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.getBody().get("errors").get(0).get("field").asString()).isEqualTo("width");
		assertThat(visible(Lane.STANDARD)).isEqualTo(before);
	}

	@Test
	void succeededJobLinksToItsImagesWithPresignedUrls() {
		String id = submit("""
				{"prompt": "a blue whale", "width": 64, "height": 64}""").getBody().get("id").asString();
		String key = ObjectKeys.image("default", id, 0);
		this.s3.putObject((b) -> b.bucket("gwtest-images").key(key), RequestBody.fromBytes(new byte[] { 1, 2, 3 }));
		this.redis.opsForHash()
			.putAll(RedisKeys.job(id),
					Map.of(JobFields.STATE, "SUCCEEDED", JobFields.OUTPUTS,
							"[\"" + key + "\",\"" + ObjectKeys.metadata("default", id) + "\"]", JobFields.FINISHED_AT,
							Instant.now().toString()));

		JsonNode job = client().get().uri("/v1/jobs/{id}", id).retrieve().body(JsonNode.class);
		assertThat(job.get("state").asString()).isEqualTo("SUCCEEDED");
		assertThat(job.get("images")).hasSize(1);
		URI url = URI.create(job.get("images").get(0).get("url").asString());
		assertThat(url.getQuery()).contains("X-Amz-Signature", "X-Amz-Expires=900");
		byte[] downloaded = RestClient.create().get().uri(url).retrieve().body(byte[].class);
		assertThat(downloaded).containsExactly(1, 2, 3);
	}

	@Test
	void unknownJobIsAProblem() {
		ResponseEntity<JsonNode> response = client().get()
			.uri("/v1/jobs/{id}", "019a7b2c-3d4e-7f01-8a2b-3c4d5e6f7a8b")
			.exchange((request, r) -> ResponseEntity.status(r.getStatusCode())
				.headers(r.getHeaders())
				.body(r.bodyTo(JsonNode.class)));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(response.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/job-not-found");
	}

	@Test
	void swaggerUiAndOpenApiAreServed() {
		String spec = client().get().uri("/v3/api-docs").retrieve().body(String.class);
		assertThat(spec).contains("/v1/jobs", "SubmitJobRequest");
		ResponseEntity<String> ui = client().get().uri("/swagger-ui/index.html").retrieve().toEntity(String.class);
		assertThat(ui.getStatusCode()).isEqualTo(HttpStatus.OK);
	}

	private ResponseEntity<JsonNode> submit(String body) {
		return client().post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
				.headers(response.getHeaders())
				.body(response.bodyTo(JsonNode.class)));
	}

	private RestClient client() {
		return RestClient.create("http://localhost:" + this.port);
	}

	private String url(Lane lane) {
		return this.sqs.getQueueUrl((b) -> b.queueName(QUEUES.jobs(lane))).join().queueUrl();
	}

	private List<Message> receive(Lane lane) {
		return this.sqs.receiveMessage((b) -> b.queueUrl(url(lane)).maxNumberOfMessages(10).waitTimeSeconds(1))
			.orTimeout(Duration.ofSeconds(5).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
			.join()
			.messages();
	}

	private int visible(Lane lane) {
		return Integer.parseInt(this.sqs
			.getQueueAttributes((b) -> b.queueUrl(url(lane)).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
			.join()
			.attributes()
			.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
	}

}
