package dev.kiln.gateway;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the queue cannot take a job, the caller gets 503 and no half-recorded job is left behind. Runs without an API
 * key through {@code kiln.gateway.auth.anonymous-tenant}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=no-such-queues", "kiln.gateway.auth.anonymous-tenant=default" })
class QueueOutageIntegrationTests {

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	private int port;

	@Autowired
	private StringRedisTemplate redis;

	@Test
	void jobThatCannotBeEnqueuedIsWithdrawn() {
		Long queuedBefore = this.redis.opsForZSet().zCard(RedisKeys.laneQueued(Lane.BATCH));
		Long unsentBefore = this.redis.opsForZSet().zCard(RedisKeys.unsentJobs());
		HttpStatus status = TestClients.rest("http://localhost:" + this.port)
			.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"prompt": "a red fox", "width": 64, "height": 64, "lane": "batch"}""")
			.exchange((request, response) -> {
				assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
				assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("5");
				return HttpStatus.valueOf(response.getStatusCode().value());
			});
		assertThat(status).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(this.redis.opsForZSet().zCard(RedisKeys.laneQueued(Lane.BATCH))).isEqualTo(queuedBefore);
		// SQS refused it: nothing is left in the outbox for the relay to send
		assertThat(this.redis.opsForZSet().zCard(RedisKeys.unsentJobs())).isEqualTo(unsentBefore);
		assertThat(this.redis.keys(RedisKeys.tenantJobs("default"))).allSatisfy((key) -> assertThat(
				this.redis.opsForZSet().rangeByScore(key, 0, Double.MAX_VALUE)).allSatisfy((id) -> assertThat(
						this.redis.opsForHash().get(RedisKeys.job(id), "lane")).isNotEqualTo("batch")));
	}

}
