package dev.kiln.gateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpMethod;
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
import tools.jackson.databind.node.ObjectNode;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The gateway over real HTTP against real SQS, S3 and Redis protocols (the embedded stand-ins). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwtest", "kiln.storage.bucket=gwtest-images",
				"kiln.gateway.auth.bootstrap-keys[0].key=" + GatewayIntegrationTests.ACME,
				"kiln.gateway.auth.bootstrap-keys[0].tenant=gw-acme",
				"kiln.gateway.auth.bootstrap-keys[1].key=" + GatewayIntegrationTests.OTHER,
				"kiln.gateway.auth.bootstrap-keys[1].tenant=gw-other",
				"kiln.gateway.auth.bootstrap-keys[2].key=" + GatewayIntegrationTests.ADMIN,
				"kiln.gateway.auth.bootstrap-keys[2].tenant=gw-ops", "kiln.gateway.auth.bootstrap-keys[2].admin=true",
				"kiln.gateway.auth.bootstrap-keys[3].key=" + GatewayIntegrationTests.IDEM,
				"kiln.gateway.auth.bootstrap-keys[3].tenant=gw-idem",
				"kiln.gateway.auth.bootstrap-keys[4].key=" + GatewayIntegrationTests.PAGER,
				"kiln.gateway.auth.bootstrap-keys[4].tenant=gw-pager",
				"kiln.gateway.models.gwtest-eta.max-pixels=262144", "kiln.gateway.models.gwtest-eta.max-steps=50",
				"kiln.gateway.models.gwtest-eta.max-batch=2", "kiln.gateway.estimates.cold-start=60s",
				"kiln.gateway.limits.requests-per-second=1000", "kiln.gateway.limits.burst=1000",
				// heartbeats written by a test are read at once (ModelCatalogTests covers the cache)
				"kiln.gateway.workers.cache-ttl=0" })
class GatewayIntegrationTests {

	static final String ACME = "gwtest-acme-key-0123456789";

	static final String OTHER = "gwtest-other-key-0123456789";

	static final String ADMIN = "gwtest-admin-key-0123456789";

	static final String IDEM = "gwtest-idem-key-0123456789";

	static final String PAGER = "gwtest-pager-key-0123456789";

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
		ResponseEntity<JsonNode> response = submit(ACME, """
				{"prompt": "a red fox", "width": 128, "height": 64, "seed": 42, "lane": "interactive",
				 "callbackUrl": "https://93.184.215.14/hook", "webhookEvents": ["job.progress", "job.started"],
				 "metadata": {"order": "A-17", "n": [1, 2]}}""");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		String id = response.getBody().get("id").asString();
		assertThat(response.getHeaders().getLocation()).hasPath("/v1/jobs/" + id);
		assertThat(response.getBody().get("seed").asLong()).isEqualTo(42);
		assertThat(response.getBody().get("metadata").get("order").asString()).isEqualTo("A-17");
		assertThat(response.getBody().get("queue").get("position").asInt()).isPositive();

		Map<Object, Object> record = this.redis.opsForHash().entries(RedisKeys.job(id));
		assertThat(record).containsEntry(JobFields.STATE, "QUEUED")
			.containsEntry(JobFields.LANE, "interactive")
			.containsEntry(JobFields.TENANT, "gw-acme")
			.containsEntry(JobFields.CALLBACK_URL, "https://93.184.215.14/hook")
			.containsEntry(JobFields.WEBHOOK_EVENTS, "job.progress,job.started")
			.containsEntry(JobFields.METADATA, "{\"order\":\"A-17\",\"n\":[1,2]}");
		assertThat(this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.INTERACTIVE), id)).isNotNull();
		// SQS confirmed the message: the job left the outbox, the relay has nothing to send
		assertThat(this.redis.opsForZSet().score(RedisKeys.unsentJobs(), id)).isNull();

		List<Message> messages = receive(Lane.INTERACTIVE);
		assertThat(messages).hasSize(1);
		JobMessage message = this.json.readValue(messages.get(0).body(), JobMessage.class);
		assertThat(message.jobId()).isEqualTo(id);
		assertThat(message.tenant()).isEqualTo("gw-acme");
		assertThat(message.prompt()).isEqualTo("a red fox");
		assertThat(message.width()).isEqualTo(128);
		assertThat(message.steps()).isEqualTo(20);
		assertThat(message.model()).isEqualTo("kiln-builtin");
	}

	@Test
	void theAcceptedAnswerIsTheJobAsReadBackWithThePositionItWasRecordedAt() {
		ResponseEntity<JsonNode> accepted = submit(ACME, """
				{"prompt": "a heron in fog", "negativePrompt": "blur", "width": 128, "height": 64, "steps": 12,
				 "guidanceScale": 5.5, "seed": 7, "numImages": 2, "lane": "standard",
				 "deadline": "%s", "callbackUrl": "https://93.184.215.14/hook",
				 "metadata": {"order": "A-18", "n": [1, 2.5, null], "nested": {"ok": true}}}"""
			.formatted(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)));
		assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		String id = accepted.getBody().get("id").asString();
		ResponseEntity<JsonNode> read = get(ACME, "/v1/jobs/" + id);

		ObjectNode answer = (ObjectNode) accepted.getBody();
		ObjectNode record = (ObjectNode) read.getBody();
		JsonNode acceptedQueue = answer.remove("queue");
		JsonNode liveQueue = record.remove("queue");
		assertThat(answer).isEqualTo(record);
		assertThat(acceptedQueue.get("position").asInt()).isEqualTo(liveQueue.get("position").asInt());
		assertThat(acceptedQueue.get("etaReason").asString()).isEqualTo("not-estimated");
		assertThat(acceptedQueue.get("etaSeconds").isNull()).isTrue();
		assertThat(acceptedQueue.get("liveWorkers").isNull()).isTrue();
		assertThat(liveQueue.get("etaReason").asString()).isNotEqualTo("not-estimated");
	}

	@Test
	void aRevokedKeyStopsWorkingAtOnceOnTheReplicaThatRevokedIt() {
		ResponseEntity<JsonNode> created = post(ADMIN, "/admin/api-keys", """
				{"tenant": "gw-revoked", "name": "revoked in a test"}""", Map.of());
		assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
		String key = created.getBody().get("key").asString();
		String id = created.getBody().get("id").asString();
		assertThat(this.redis.hasKey(RedisKeys.apiKey(id))).isTrue();
		// used, so this replica remembers it
		assertThat(get(key, "/v1/jobs").getStatusCode()).isEqualTo(HttpStatus.OK);

		assertThat(exchange(ACME, HttpMethod.DELETE, "/admin/api-keys/" + id).getStatusCode())
			.isEqualTo(HttpStatus.FORBIDDEN);
		assertThat(exchange(ADMIN, HttpMethod.DELETE, "/admin/api-keys/" + id).getStatusCode())
			.isEqualTo(HttpStatus.NO_CONTENT);

		assertThat(get(key, "/v1/jobs").getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(this.redis.hasKey(RedisKeys.apiKey(id))).isFalse();
		ResponseEntity<JsonNode> again = exchange(ADMIN, HttpMethod.DELETE, "/admin/api-keys/" + id);
		assertThat(again.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(again.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/api-key-not-found");
		assertThat(exchange(ADMIN, HttpMethod.DELETE, "/admin/api-keys/not-a-key-id").getStatusCode())
			.isEqualTo(HttpStatus.NOT_FOUND);
	}

	@Test
	void rejectedRequestLeavesTheQueueEmpty() {
		int before = visible(Lane.STANDARD);
		ResponseEntity<JsonNode> response = submit(ACME, """
				{"prompt": "a red fox", "width": 100, "height": 64}""");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.getBody().get("errors").get(0).get("field").asString()).isEqualTo("width");
		assertThat(visible(Lane.STANDARD)).isEqualTo(before);
	}

	@Test
	void rulesThatNeedTheCatalogOrTheNetworkAreCheckedToo() {
		ResponseEntity<JsonNode> response = submit(ACME, """
				{"prompt": "fox", "width": 2048, "height": 2048, "model": "no-such-model",
				 "callbackUrl": "https://127.0.0.1/hook", "deadline": "2099-01-01T00:00:00Z",
				 "metadata": {"blob": "%s"}}""".formatted("x".repeat(5000)));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(response.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/invalid-request");
		assertThat(response.getBody().get("errors").findValuesAsString("field")).containsExactlyInAnyOrder("model",
				"callbackUrl", "deadline", "metadata");
		assertThat(response.getBody().toString()).contains("kiln-builtin", "non-public address");

		ResponseEntity<JsonNode> tooLarge = submit(ACME, """
				{"prompt": "fox", "width": 2048, "height": 2048}""");
		assertThat(tooLarge.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(tooLarge.getBody().get("errors").get(0).get("message").asString()).contains("1048576");

		ResponseEntity<JsonNode> eventsWithoutUrl = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "webhookEvents": ["job.started"]}""");
		assertThat(eventsWithoutUrl.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(eventsWithoutUrl.getBody().get("errors").findValuesAsString("field")).containsExactly("webhookEvents");

		ResponseEntity<JsonNode> twice = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "callbackUrl": "https://93.184.215.14/hook",
				 "webhookEvents": ["job.started", "job.started"]}""");
		assertThat(twice.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(twice.getBody().get("errors").findValuesAsString("field")).containsExactly("webhookEvents");

		ResponseEntity<JsonNode> http = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "callbackUrl": "http://example.com/hook"}""");
		assertThat(http.getBody().get("errors").get(0).get("message").asString()).isEqualTo("must use https");
	}

	@Test
	void modelsMergeTheCatalogWithLiveWorkers() {
		beat("gwtest-w1", "gwtest-eta", "gwtest-live-only");
		JsonNode list = get(ACME, "/v1/models").getBody();
		assertThat(list.get("defaultModel").asString()).isEqualTo("kiln-builtin");
		JsonNode models = list.get("models");
		Map<String, JsonNode> byId = new java.util.HashMap<>();
		models.forEach((model) -> byId.put(model.get("id").asString(), model));
		assertThat(byId.get("kiln-builtin").get("maxPixels").asInt()).isEqualTo(1048576);
		assertThat(byId.get("kiln-builtin").get("configured").asBoolean()).isTrue();
		assertThat(byId.get("gwtest-eta").get("liveWorkers").asInt()).isEqualTo(1);
		assertThat(byId.get("gwtest-live-only").get("configured").asBoolean()).isFalse();
		assertThat(submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "model": "gwtest-live-only"}""").getStatusCode())
			.isEqualTo(HttpStatus.ACCEPTED);
	}

	@Test
	void aSizeOutsideTheAnnouncedSizesIsRefusedBeforeAnythingIsEnqueued() {
		String now = Instant.now().toString();
		this.redis.opsForValue().set(RedisKeys.worker("gwtest-sd-worker"), """
				{"schemaVersion":1,"workerId":"gwtest-sd-worker","models":[{"id":"gwtest-sd","type":"sd-torchscript",
				 "maxPixels":8192,"maxSteps":150,"maxBatch":3,"family":"sd1",
				 "sizes":[{"width":64,"height":64},{"width":128,"height":64}],"scheduler":"pndm",
				 "schedulers":["pndm","ddim"],"description":"Stable Diffusion (sd1), exported TorchScript"}],
				 "device":"cpu","busy":false,"jobId":null,"startedAt":"%s","beatAt":"%s"}""".formatted(now, now),
				Duration.ofMinutes(2));
		this.redis.opsForZSet().add(RedisKeys.workers(), "gwtest-sd-worker", System.currentTimeMillis());
		JsonNode model = null;
		for (JsonNode each : get(ACME, "/v1/models").getBody().get("models")) {
			model = each.get("id").asString().equals("gwtest-sd") ? each : model;
		}
		assertThat(model).isNotNull();
		assertThat(model.get("description").asString()).isEqualTo("Stable Diffusion (sd1), exported TorchScript");
		assertThat(model.get("maxBatch").asInt()).isEqualTo(3);
		int before = visible(Lane.STANDARD);
		long jobsBefore = jobCount("gw-acme");

		// 64x128 has the pixels of 128x64 but is not one of the sizes it was traced at
		ResponseEntity<JsonNode> wrongSize = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 128, "model": "gwtest-sd"}""");
		assertThat(wrongSize.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(wrongSize.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(wrongSize.getBody().get("errors").findValuesAsString("field")).containsExactly("width");
		assertThat(wrongSize.getBody().get("errors").get(0).get("message").asString()).endsWith("64x64, 128x64");
		ResponseEntity<JsonNode> tooMany = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "numImages": 4, "model": "gwtest-sd"}""");
		assertThat(tooMany.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(tooMany.getBody().get("errors").findValuesAsString("field")).containsExactly("numImages");
		// a sampler the model's worker does not announce: 400 naming those it does
		ResponseEntity<JsonNode> wrongScheduler = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "model": "gwtest-sd", "scheduler": "euler"}""");
		assertThat(wrongScheduler.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(wrongScheduler.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(wrongScheduler.getBody().get("errors").findValuesAsString("field")).containsExactly("scheduler");
		assertThat(wrongScheduler.getBody().get("errors").get(0).get("message").asString())
			.endsWith("its schedulers: pndm, ddim");
		ResponseEntity<JsonNode> unknownScheduler = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "model": "gwtest-sd", "scheduler": "no-such-sampler"}""");
		assertThat(unknownScheduler.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(visible(Lane.STANDARD)).isEqualTo(before);
		assertThat(jobCount("gw-acme")).isEqualTo(jobsBefore);

		ResponseEntity<JsonNode> accepted = submit(ACME, """
				{"prompt": "fox", "width": 128, "height": 64, "numImages": 3, "model": "gwtest-sd", "scheduler": "ddim"}""");
		assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		assertThat(accepted.getBody().get("scheduler").asString()).isEqualTo("ddim");
		assertThat(get(ACME, "/v1/jobs/" + accepted.getBody().get("id").asString()).getBody().get("scheduler").asString())
			.isEqualTo("ddim");
		// a model no live worker has announced keeps today's rule: any size within its pixels
		assertThat(submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 128, "model": "gwtest-eta"}""").getStatusCode())
			.isEqualTo(HttpStatus.ACCEPTED);
		this.redis.delete(RedisKeys.worker("gwtest-sd-worker"));
		this.redis.opsForZSet().remove(RedisKeys.workers(), "gwtest-sd-worker");
	}

	/** How many jobs the tenant has recorded. */
	private long jobCount(String tenant) {
		return this.redis.opsForZSet().zCard(RedisKeys.tenantJobs(tenant));
	}

	@Test
	void queuedJobsShowTheirPositionAndAnEtaFromMeasuredRenderTimes() {
		beat("gwtest-w1", "gwtest-eta", "gwtest-live-only");
		this.redis.opsForHash().put(RedisKeys.modelStats("gwtest-eta"), "meanRenderSeconds", "4.0");
		String body = """
				{"prompt": "fox", "width": 64, "height": 64, "model": "gwtest-eta", "lane": "batch"}""";
		String first = submit(ACME, body).getBody().get("id").asString();
		String second = submit(ACME, body).getBody().get("id").asString();
		JsonNode one = get(ACME, "/v1/jobs/" + first).getBody().get("queue");
		JsonNode two = get(ACME, "/v1/jobs/" + second).getBody().get("queue");
		assertThat(two.get("position").asInt()).isEqualTo(one.get("position").asInt() + 1);
		assertThat(two.get("liveWorkers").asInt()).isEqualTo(1);
		assertThat(two.get("etaReason").asString()).isEqualTo("measured");
		assertThat(two.get("etaSeconds").asDouble()).isEqualTo(two.get("position").asInt() * 4.0);

		String unmeasured = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "lane": "batch"}""").getBody().get("id").asString();
		JsonNode queue = get(ACME, "/v1/jobs/" + unmeasured).getBody().get("queue");
		assertThat(queue.get("etaSeconds").isNull()).isTrue();
		assertThat(queue.get("etaReason").asString()).isEqualTo("no-measurements");
	}

	@Test
	void tenantsSeeOnlyTheirOwnJobs() throws Exception {
		String id = submit(ACME, """
				{"prompt": "a secret fox", "width": 64, "height": 64}""").getBody().get("id").asString();
		ResponseEntity<JsonNode> unknown = get(OTHER, "/v1/jobs/019a7b2c-3d4e-7f01-8a2b-3c4d5e6f7a8b");
		ResponseEntity<JsonNode> foreign = get(OTHER, "/v1/jobs/" + id);
		assertThat(foreign.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(foreign.getBody().get("type")).isEqualTo(unknown.getBody().get("type"));
		assertThat(foreign.getBody().get("title")).isEqualTo(unknown.getBody().get("title"));
		assertThat(exchange(OTHER, HttpMethod.DELETE, "/v1/jobs/" + id).getStatusCode())
			.isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(get(OTHER, "/v1/jobs/" + id + "/events").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		HttpResponse<String> stream = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(base() + "/v1/jobs/" + id + "/events"))
				.header("Authorization", "Bearer " + OTHER)
				.header("Accept", "text/event-stream")
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(stream.statusCode()).isEqualTo(404);
		assertThat(stream.body()).contains("https://kiln.dev/problems/job-not-found");
		assertThat(get(OTHER, "/v1/jobs/" + id + "/images/0").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(get(OTHER, "/v1/jobs?limit=100").getBody().get("jobs").findValuesAsString("id")).doesNotContain(id);
		assertThat(this.redis.opsForHash().get(RedisKeys.job(id), JobFields.STATE)).isEqualTo("QUEUED");
	}

	@Test
	void requestsWithoutAValidKeyAreUnauthorized() {
		ResponseEntity<JsonNode> missing = exchange(null, HttpMethod.GET, "/v1/models");
		assertThat(missing.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(missing.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(missing.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/unauthorized");
		assertThat(get("not-a-key", "/v1/models").getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(this.redis.keys(RedisKeys.apiKey("*"))).noneMatch((key) -> key.contains(ACME));
	}

	@Test
	void onlyAdminKeysReachAdminEndpointsAndNewKeysWork() {
		String body = """
				{"tenant": "gw-new", "name": "made in a test"}""";
		ResponseEntity<JsonNode> forbidden = post(ACME, "/admin/api-keys", body, Map.of());
		assertThat(forbidden.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
		assertThat(forbidden.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/forbidden");
		ResponseEntity<JsonNode> created = post(ADMIN, "/admin/api-keys", body, Map.of());
		assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
		String key = created.getBody().get("key").asString();
		assertThat(get(key, "/v1/jobs").getStatusCode()).isEqualTo(HttpStatus.OK);
		ResponseEntity<JsonNode> job = submit(key, """
				{"prompt": "fox", "width": 64, "height": 64}""");
		assertThat(this.redis.opsForHash().get(RedisKeys.job(job.getBody().get("id").asString()), JobFields.TENANT))
			.isEqualTo("gw-new");
	}

	@Test
	void listsPageByPageNewestFirstWithFilters() {
		List<String> submitted = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			submitted.add(submit(PAGER, """
					{"prompt": "fox %d", "width": 64, "height": 64, "lane": "%s"}""".formatted(i,
					(i % 2 == 0) ? "batch" : "standard")).getBody().get("id").asString());
		}
		List<String> listed = new ArrayList<>();
		String cursor = null;
		int pages = 0;
		do {
			JsonNode page = get(PAGER, "/v1/jobs?limit=2" + ((cursor != null) ? "&cursor=" + cursor : "")).getBody();
			page.get("jobs").forEach((job) -> listed.add(job.get("id").asString()));
			cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
			pages++;
		}
		while (cursor != null && pages < 10);
		assertThat(listed).containsExactlyElementsOf(submitted.reversed());
		assertThat(pages).isEqualTo(3);
		JsonNode batch = get(PAGER, "/v1/jobs?lane=batch&state=QUEUED").getBody();
		assertThat(batch.get("jobs").findValuesAsString("id")).containsExactly(submitted.get(4), submitted.get(2),
				submitted.get(0));
	}

	@Test
	void cancellingAQueuedJobEndsItAtOnce() {
		String id = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "lane": "batch"}""").getBody().get("id").asString();
		ResponseEntity<JsonNode> cancelled = exchange(ACME, HttpMethod.DELETE, "/v1/jobs/" + id);
		assertThat(cancelled.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(cancelled.getBody().get("state").asString()).isEqualTo("CANCELLED");
		assertThat(cancelled.getBody().get("finishedAt").isNull()).isFalse();
		assertThat(this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.BATCH), id)).isNull();
		assertThat(this.redis.getExpire(RedisKeys.job(id))).isPositive();
		List<MapRecord<String, Object, Object>> events = this.redis.opsForStream().range(RedisKeys.jobEvents(id),
				org.springframework.data.domain.Range.unbounded());
		assertThat(events).singleElement()
			.satisfies((event) -> assertThat(event.getValue()).containsEntry("kind", "state")
				.containsEntry("state", "CANCELLED"));

		ResponseEntity<JsonNode> again = exchange(ACME, HttpMethod.DELETE, "/v1/jobs/" + id);
		assertThat(again.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
		assertThat(again.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/job-finished");
	}

	@Test
	void cancellingAQueuedJobSchedulesItsCancelledWebhookLikeEveryTerminalState() {
		String id = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64, "lane": "batch",
				 "callbackUrl": "https://93.184.215.14/hook"}""").getBody().get("id").asString();
		assertThat(exchange(ACME, HttpMethod.DELETE, "/v1/jobs/" + id).getStatusCode()).isEqualTo(HttpStatus.OK);
		// the queue service's WebhookDispatcher delivers what is due (WebhookDeliveryIntegrationTests)
		assertThat(this.redis.opsForZSet().range(RedisKeys.webhooksDue(), 0, -1))
			.filteredOn((delivery) -> delivery.startsWith(id + "."))
			.singleElement()
			.satisfies((delivery) -> assertThat(this.redis.<String, String>opsForHash().entries(RedisKeys.webhook(delivery)))
				.containsEntry("event", "job.cancelled")
				.containsEntry("state", "CANCELLED")
				.containsEntry("url", "https://93.184.215.14/hook")
				.containsEntry("jobId", id));
		assertThat(this.redis.opsForHash().get(RedisKeys.job(id), JobFields.WEBHOOK_STATUS)).isEqualTo("pending");
	}

	@Test
	void cancellingARunningJobAsksItsWorkerToStop() {
		String id = submit(ACME, """
				{"prompt": "fox", "width": 64, "height": 64}""").getBody().get("id").asString();
		this.redis.opsForHash().put(RedisKeys.job(id), JobFields.STATE, "RUNNING");
		ResponseEntity<JsonNode> response = exchange(ACME, HttpMethod.DELETE, "/v1/jobs/" + id);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		assertThat(response.getBody().get("cancelRequested").asBoolean()).isTrue();
		assertThat(this.redis.opsForHash().get(RedisKeys.job(id), JobFields.CANCEL_REQUESTED)).isEqualTo("true");
		assertThat(this.redis.opsForHash().get(RedisKeys.job(id), JobFields.STATE)).isEqualTo("RUNNING");
	}

	@Test
	void idempotencyKeyAnswersRetriesWithTheOriginalJob() {
		String body = """
				{"prompt": "an idempotent fox", "width": 64, "height": 64}""";
		ResponseEntity<JsonNode> first = post(IDEM, "/v1/jobs", body, Map.of("Idempotency-Key", "retry-1"));
		ResponseEntity<JsonNode> retry = post(IDEM, "/v1/jobs", body, Map.of("Idempotency-Key", "retry-1"));
		assertThat(first.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		assertThat(retry.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(retry.getHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
		assertThat(retry.getBody().get("id")).isEqualTo(first.getBody().get("id"));

		ResponseEntity<JsonNode> different = post(IDEM, "/v1/jobs", body.replace("idempotent", "other"),
				Map.of("Idempotency-Key", "retry-1"));
		assertThat(different.getStatusCode()).isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
		assertThat(different.getBody().get("type").asString())
			.isEqualTo("https://kiln.dev/problems/idempotency-key-reused");
		assertThat(different.getBody().get("errors").get(0).get("field").asString()).isEqualTo("Idempotency-Key");
	}

	@Test
	void concurrentDuplicatesCreateOneJob() throws Exception {
		String body = """
				{"prompt": "a racing fox", "width": 64, "height": 64}""";
		Long before = this.redis.opsForZSet().zCard(RedisKeys.tenantJobs("gw-idem"));
		int threads = 8;
		CountDownLatch start = new CountDownLatch(1);
		List<Future<ResponseEntity<JsonNode>>> futures = new ArrayList<>();
		try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
			for (int i = 0; i < threads; i++) {
				futures.add(pool.submit(() -> {
					start.await();
					return post(IDEM, "/v1/jobs", body, Map.of("Idempotency-Key", "race-1"));
				}));
			}
			start.countDown();
		}
		Set<String> ids = new HashSet<>();
		int accepted = 0;
		for (Future<ResponseEntity<JsonNode>> future : futures) {
			ResponseEntity<JsonNode> response = future.get();
			ids.add(response.getBody().get("id").asString());
			accepted += (response.getStatusCode() == HttpStatus.ACCEPTED) ? 1 : 0;
		}
		assertThat(ids).hasSize(1);
		assertThat(accepted).isEqualTo(1);
		assertThat(this.redis.opsForZSet().zCard(RedisKeys.tenantJobs("gw-idem"))).isEqualTo(before + 1);
	}

	@Test
	void eventsStreamProgressWithPreviewsUntilTheEndAndResume() throws Exception {
		String id = submit(ACME, """
				{"prompt": "a streaming fox", "width": 64, "height": 64, "steps": 2}""").getBody().get("id").asString();
		String preview = ObjectKeys.preview("gw-acme", id, 1);
		String firstId = event(id, "state", "RUNNING", 0, "");
		CompletableFuture<List<String>> stream = events(id, null);
		event(id, "progress", "RUNNING", 1, preview);
		event(id, "progress", "RUNNING", 2, "");
		this.redis.opsForHash().put(RedisKeys.job(id), JobFields.STATE, "SUCCEEDED");
		String lastId = event(id, "state", "SUCCEEDED", 2, "");
		await().atMost(Duration.ofSeconds(30)).until(stream::isDone);
		List<String> lines = stream.get();
		assertThat(lines.stream().filter((line) -> line.startsWith("event:")).toList()).containsExactly(
				"event:state", "event:progress", "event:progress", "event:state");
		assertThat(lines).contains("id:" + firstId, "id:" + lastId);
		String previewData = lines.stream().filter((line) -> line.contains("\"step\":1")).findFirst().orElseThrow();
		assertThat(previewData).contains("X-Amz-Signature", preview);
		assertThat(lines.get(lines.size() - 1 - (lines.get(lines.size() - 1).isEmpty() ? 1 : 0)))
			.contains("\"state\":\"SUCCEEDED\"");

		CompletableFuture<List<String>> resumed = events(id, firstId);
		await().atMost(Duration.ofSeconds(30)).until(resumed::isDone);
		assertThat(resumed.get().stream().filter((line) -> line.startsWith("event:")).toList())
			.containsExactly("event:progress", "event:progress", "event:state");
	}

	@Test
	void anEventsStreamOutlivesAQuietSpellLongerThanRedisCommandTimeout() throws Exception {
		// spring.data.redis.timeout is 2 s: a read that blocked for the whole keep-alive (15 s) failed after 2 s
		String id = submit(ACME, """
				{"prompt": "a patient fox", "width": 64, "height": 64, "steps": 2}""").getBody().get("id").asString();
		CompletableFuture<List<String>> stream = events(id, null);
		await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> !stream.isDone());
		this.redis.opsForHash().put(RedisKeys.job(id), JobFields.STATE, "SUCCEEDED");
		event(id, "state", "SUCCEEDED", 2, "");
		await().atMost(Duration.ofSeconds(30)).until(stream::isDone);
		assertThat(stream.get().stream().filter((line) -> line.startsWith("event:")).toList())
			.containsExactly("event:state");
	}

	@Test
	void succeededJobLinksToItsImagesWithPresignedUrlsAndRedirects() {
		String id = submit(ACME, """
				{"prompt": "a blue whale", "width": 64, "height": 64}""").getBody().get("id").asString();
		String key = ObjectKeys.image("gw-acme", id, 0);
		this.s3.putObject((b) -> b.bucket("gwtest-images").key(key), RequestBody.fromBytes(new byte[] { 1, 2, 3 }));
		this.redis.opsForHash()
			.putAll(RedisKeys.job(id),
					Map.of(JobFields.STATE, "SUCCEEDED", JobFields.OUTPUTS,
							"[\"" + key + "\",\"" + ObjectKeys.metadata("gw-acme", id) + "\"]", JobFields.FINISHED_AT,
							Instant.now().toString(), JobFields.COST, "0.0021"));

		JsonNode job = get(ACME, "/v1/jobs/" + id).getBody();
		assertThat(job.get("state").asString()).isEqualTo("SUCCEEDED");
		assertThat(job.get("cost").asDouble()).isEqualTo(0.0021);
		assertThat(job.get("queue").isNull()).isTrue();
		assertThat(job.get("images")).hasSize(1);
		URI url = URI.create(job.get("images").get(0).get("url").asString());
		assertThat(url.getQuery()).contains("X-Amz-Signature", "X-Amz-Expires=900");
		byte[] downloaded = RestClient.create().get().uri(url).retrieve().body(byte[].class);
		assertThat(downloaded).containsExactly(1, 2, 3);

		ResponseEntity<JsonNode> redirect = get(ACME, "/v1/jobs/" + id + "/images/0");
		assertThat(redirect.getStatusCode()).isEqualTo(HttpStatus.FOUND);
		assertThat(redirect.getHeaders().getLocation().getQuery()).contains("X-Amz-Signature");
		ResponseEntity<JsonNode> missing = get(ACME, "/v1/jobs/" + id + "/images/1");
		assertThat(missing.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(missing.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/image-not-found");
	}

	@Test
	void unknownJobIsAProblem() {
		ResponseEntity<JsonNode> response = get(ACME, "/v1/jobs/019a7b2c-3d4e-7f01-8a2b-3c4d5e6f7a8b");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(response.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/job-not-found");
	}

	@Test
	void swaggerUiOpenApiAndTheWebPageAreServedWithoutAKey() {
		String spec = TestClients.rest(base()).get().uri("/v3/api-docs").retrieve().body(String.class);
		assertThat(spec).contains("/v1/jobs", "SubmitJobRequest");
		ResponseEntity<String> ui = TestClients.rest(base()).get().uri("/swagger-ui/index.html").retrieve().toEntity(String.class);
		assertThat(ui.getStatusCode()).isEqualTo(HttpStatus.OK);
		String page = TestClients.rest(base()).get().uri("/").retrieve().body(String.class);
		assertThat(page).contains("<title>Kiln</title>", "app.js");
	}

	private void beat(String worker, String... models) {
		StringBuilder list = new StringBuilder();
		for (String model : models) {
			list.append((list.isEmpty()) ? "" : ",")
				.append("""
						{"id":"%s","type":"builtin","maxPixels":262144,"maxSteps":50,"maxBatch":2}""".formatted(model));
		}
		String now = Instant.now().toString();
		this.redis.opsForValue().set(RedisKeys.worker(worker), """
				{"schemaVersion":1,"workerId":"%s","models":[%s],"device":"cpu","busy":false,"jobId":null,
				 "startedAt":"%s","beatAt":"%s"}""".formatted(worker, list, now, now), Duration.ofMinutes(2));
		this.redis.opsForZSet().add(RedisKeys.workers(), worker, System.currentTimeMillis());
	}

	private String event(String jobId, String kind, String state, int step, String preview) {
		return this.redis.opsForStream()
			.add(StreamRecords.string(Map.of("kind", kind, "state", state, "step", Integer.toString(step),
					"totalSteps", "2", "preview", preview, "errorType", "", "at", Instant.now().toString()))
				.withStreamKey(RedisKeys.jobEvents(jobId)))
			.getValue();
	}

	private CompletableFuture<List<String>> events(String jobId, @Nullable String lastEventId) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + "/v1/jobs/" + jobId + "/events"))
			.header("Authorization", "Bearer " + ACME)
			.header("Accept", "text/event-stream");
		if (lastEventId != null) {
			request.header("Last-Event-ID", lastEventId);
		}
		HttpClient client = HttpClient.newHttpClient();
		return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines()).thenApply((response) -> {
			assertThat(response.statusCode()).isEqualTo(200);
			return response.body().toList();
		});
	}

	private ResponseEntity<JsonNode> submit(String key, String body) {
		return post(key, "/v1/jobs", body, Map.of());
	}

	private ResponseEntity<JsonNode> post(String key, String path, String body, Map<String, String> headers) {
		return TestClients.rest(base())
			.post()
			.uri(path)
			.header("Authorization", "Bearer " + key)
			.headers((h) -> headers.forEach(h::add))
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
				.headers(response.getHeaders())
				.body(response.bodyTo(JsonNode.class)));
	}

	private ResponseEntity<JsonNode> get(String key, String path) {
		return exchange(key, HttpMethod.GET, path);
	}

	private ResponseEntity<JsonNode> exchange(@Nullable String key, HttpMethod method, String path) {
		return TestClients.rest(base())
			.method(method)
			.uri(path)
			.headers((h) -> {
				if (key != null) {
					h.setBearerAuth(key);
				}
			})
			.accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON, MediaType.ALL)
			.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
				.headers(response.getHeaders())
				.body(readJson(response)));
	}

	private @Nullable JsonNode readJson(org.springframework.http.client.ClientHttpResponse response) throws IOException {
		MediaType type = response.getHeaders().getContentType();
		if (type == null || !(type.isCompatibleWith(MediaType.APPLICATION_JSON)
				|| type.isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))) {
			return null;
		}
		return this.json.readTree(response.getBody());
	}

	private String base() {
		return "http://localhost:" + this.port;
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
