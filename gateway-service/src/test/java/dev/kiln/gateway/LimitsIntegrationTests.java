package dev.kiln.gateway;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import tools.jackson.databind.JsonNode;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-tenant rate limits (Bucket4j buckets in Redis) and the quota of waiting jobs. The bucket lives in Redis, not in
 * the gateway, which is what makes it hold across replicas.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwlimits", "kiln.storage.bucket=gwlimits-images",
				"kiln.gateway.auth.bootstrap-keys[0].key=" + LimitsIntegrationTests.BUSY,
				"kiln.gateway.auth.bootstrap-keys[0].tenant=lim-busy",
				"kiln.gateway.auth.bootstrap-keys[1].key=" + LimitsIntegrationTests.QUOTA,
				"kiln.gateway.auth.bootstrap-keys[1].tenant=lim-quota",
				"kiln.gateway.auth.bootstrap-keys[2].key=" + LimitsIntegrationTests.CALM,
				"kiln.gateway.auth.bootstrap-keys[2].tenant=lim-calm",
				"kiln.gateway.auth.bootstrap-keys[3].key=" + LimitsIntegrationTests.MOVED,
				"kiln.gateway.auth.bootstrap-keys[3].tenant=lim-moved", "kiln.gateway.limits.requests-per-second=1",
				"kiln.gateway.limits.burst=6", "kiln.gateway.limits.max-queued-jobs=2" })
class LimitsIntegrationTests {

	static final String BUSY = "gwlimits-busy-key-0123456789";

	static final String QUOTA = "gwlimits-quota-key-0123456789";

	static final String CALM = "gwlimits-calm-key-0123456789";

	static final String MOVED = "gwlimits-moved-key-0123456789";

	@Autowired
	private StringRedisTemplate redis;

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	private int port;

	@BeforeAll
	static void createQueues(@Autowired SqsAsyncClient sqs) {
		QueueNames queues = new QueueNames("gwlimits");
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(queues.jobs(lane))).join();
		}
	}

	@Test
	void aTenantOverItsRateGets429WithRetryAfterWhileOthersGoOn() {
		List<ResponseEntity<JsonNode>> responses = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			responses.add(get(BUSY));
		}
		ResponseEntity<JsonNode> first = responses.get(0);
		assertThat(first.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(first.getHeaders().getFirst("RateLimit-Limit")).isEqualTo("6");
		assertThat(first.getHeaders().getFirst("RateLimit-Remaining")).isEqualTo("5");
		ResponseEntity<JsonNode> limited = responses.stream()
			.filter((response) -> response.getStatusCode() == HttpStatus.TOO_MANY_REQUESTS)
			.findFirst()
			.orElseThrow();
		assertThat(limited.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(limited.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/rate-limited");
		assertThat(Integer.parseInt(limited.getHeaders().getFirst(HttpHeaders.RETRY_AFTER))).isPositive();
		assertThat(limited.getHeaders().getFirst("RateLimit-Remaining")).isEqualTo("0");
		assertThat(get(CALM).getStatusCode()).isEqualTo(HttpStatus.OK);
	}

	@Test
	void aTenantAtItsQuotaOfWaitingJobsGets429UntilOneIsCancelled() {
		String body = """
				{"prompt": "fox", "width": 64, "height": 64, "lane": "batch"}""";
		ResponseEntity<JsonNode> one = submit(body);
		assertThat(one.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		assertThat(submit(body).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		ResponseEntity<JsonNode> third = submit(body);
		assertThat(third.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		assertThat(third.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/quota-exceeded");
		assertThat(third.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();

		client().delete()
			.uri("/v1/jobs/{id}", one.getBody().get("id").asString())
			.header("X-Api-Key", QUOTA)
			.retrieve()
			.toBodilessEntity();
		assertThat(submit(body).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
	}

	@Test
	void jobsThatLeftTheQueueStopCountingOnceTheWaitingSetReachesTheQuota() {
		String body = """
				{"prompt": "owl", "width": 64, "height": 64, "lane": "batch"}""";
		String started = submit(MOVED, body).getBody().get("id").asString();
		String retrying = submit(MOVED, body).getBody().get("id").asString();
		// what the queue service's state machine would write; it does not touch the gateway's waiting set
		this.redis.opsForHash().put(RedisKeys.job(started), JobFields.STATE, "RUNNING");
		this.redis.opsForHash().put(RedisKeys.job(retrying), JobFields.STATE, "RETRYING");
		String waiting = RedisKeys.tenantWaiting("lim-moved");
		assertThat(this.redis.opsForSet().size(waiting)).isEqualTo(2);

		ResponseEntity<JsonNode> third = submit(MOVED, body);
		assertThat(third.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		assertThat(this.redis.opsForSet().members(waiting))
			.containsExactlyInAnyOrder(retrying, third.getBody().get("id").asString());
		// the RETRYING job still counts
		ResponseEntity<JsonNode> fourth = submit(MOVED, body);
		assertThat(fourth.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		assertThat(fourth.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/quota-exceeded");
	}

	private ResponseEntity<JsonNode> get(String key) {
		return client().get()
			.uri("/v1/models")
			.header("X-Api-Key", key)
			.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
				.headers(response.getHeaders())
				.body(response.bodyTo(JsonNode.class)));
	}

	private ResponseEntity<JsonNode> submit(String body) {
		return submit(QUOTA, body);
	}

	private ResponseEntity<JsonNode> submit(String key, String body) {
		return client().post()
			.uri("/v1/jobs")
			.header("X-Api-Key", key)
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
				.headers(response.getHeaders())
				.body(response.bodyTo(JsonNode.class)));
	}

	private RestClient client() {
		return TestClients.rest("http://localhost:" + this.port);
	}

}
