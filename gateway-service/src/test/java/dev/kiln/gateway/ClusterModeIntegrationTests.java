package dev.kiln.gateway;

import io.lettuce.core.cluster.RedisClusterClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import tools.jackson.databind.JsonNode;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.EmbeddedRedisCluster;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole gateway on a three-master Redis Cluster, configured as on MemoryDB only through
 * {@code spring.data.redis.cluster.nodes} (Spring Boot picks cluster mode over the host and port the embedded stack
 * also sets): it starts (the rate limiter takes the cluster client), accepts a job (create script), reads it back and
 * cancels it (cancel script).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwcluster", "kiln.gateway.auth.anonymous-tenant=cluster-tenant" })
class ClusterModeIntegrationTests {

	private static EmbeddedRedisCluster cluster;

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
		registry.add("spring.data.redis.cluster.nodes", () -> String.join(",", cluster().nodes()));
	}

	private static synchronized EmbeddedRedisCluster cluster() {
		if (cluster == null) {
			cluster = EmbeddedRedisCluster.start(3);
		}
		return cluster;
	}

	@BeforeAll
	static void createQueues(@Autowired SqsAsyncClient sqs) {
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(new QueueNames("gwcluster").jobs(lane))).join();
		}
	}

	@AfterAll
	static void stopCluster() {
		if (cluster != null) {
			cluster.close();
		}
	}

	@LocalServerPort
	private int port;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private RedisConnectionFactory connectionFactory;

	@Test
	void acceptsReadsAndCancelsAJobOnTheCluster() {
		assertThat(this.connectionFactory).isInstanceOfSatisfying(LettuceConnectionFactory.class,
				(lettuce) -> assertThat(lettuce.getNativeClient()).isInstanceOf(RedisClusterClient.class));
		ResponseEntity<JsonNode> accepted = TestClients.rest("http://localhost:" + this.port)
			.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"prompt": "a red fox", "width": 64, "height": 64, "lane": "batch"}""")
			.retrieve()
			.toEntity(JsonNode.class);
		assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
		String id = accepted.getBody().get("id").asString();
		assertThat(this.redis.opsForHash().get(RedisKeys.job(id), JobFields.STATE)).isEqualTo("QUEUED");
		assertThat(this.redis.opsForZSet().score(RedisKeys.tenantJobs("cluster-tenant"), id)).isNotNull();

		JsonNode job = TestClients.rest("http://localhost:" + this.port)
			.get()
			.uri("/v1/jobs/{id}", id)
			.retrieve()
			.body(JsonNode.class);
		assertThat(job.get("state").asString()).isEqualTo("QUEUED");

		TestClients.rest("http://localhost:" + this.port).delete().uri("/v1/jobs/{id}", id).retrieve().toBodilessEntity();
		assertThat(this.redis.opsForHash().get(RedisKeys.job(id), JobFields.STATE)).isEqualTo("CANCELLED");
	}

}
