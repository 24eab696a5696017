package dev.kiln.advisor;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import tools.jackson.databind.JsonNode;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The advisor reading real SQS queue attributes and publishing its decision over HTTP and Prometheus. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=adtest", "kiln.advisor.poll-interval=200ms", "kiln.advisor.grpc-port=0",
				"kiln.advisor.policy=queue-length", "kiln.advisor.target-backlog-per-worker=2",
				"kiln.advisor.max-workers=3", "kiln.advisor.cooldown=0s",
				"kiln.advisor.cost.attribution=false" })
@AutoConfigureMetrics
class AdvisorIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("adtest");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	private int port;

	@Test
	void desiredWorkersFollowsTheBacklogUpAndBackToZero(@Autowired SqsAsyncClient sqs) {
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(QUEUES.jobs(lane))).join();
		}
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(desired()).isZero());

		String url = sqs.getQueueUrl((b) -> b.queueName(QUEUES.jobs(Lane.BATCH))).join().queueUrl();
		for (int i = 0; i < 5; i++) {
			sqs.sendMessage((b) -> b.queueUrl(url).messageBody("job")).join();
		}
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(desired()).isEqualTo(3));
		JsonNode scaling = scaling();
		assertThat(scaling.get("active").asBoolean()).isTrue();
		assertThat(scaling.get("lanes").get("batch").get("visible").asInt()).isEqualTo(5);
		assertThat(scaling.get("lanes").get("batch").get("onDemand").asInt()).isEqualTo(3);
		assertThat(scaling.get("policy").asString()).isEqualTo("queue-length");

		String metrics = client().get().uri("/actuator/prometheus").retrieve().body(String.class);
		assertThat(metrics).contains("kiln_desired_workers{application=\"autoscale-advisor\"} 3.0")
			.contains("kiln_queue_messages{application=\"autoscale-advisor\",lane=\"batch\",state=\"visible\"} 5.0")
			.contains("kiln_advisor_desired_replicas{application=\"autoscale-advisor\",capacity=\"on-demand\",lane=\"batch\"} 3.0")
			.contains("kiln_advisor_inputs_stale{application=\"autoscale-advisor\"} 0.0")
			.contains("kiln_advisor_spend_rate_dollars_per_hour");

		sqs.purgeQueue((b) -> b.queueUrl(url)).join();
		// KEDA's cooldown (300 s by default) keeps the replicas; this test runs with a zero cooldown
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(desired()).isZero());
		assertThat(scaling().get("active").asBoolean()).isFalse();
	}

	private int desired() {
		return scaling().get("desiredWorkers").asInt();
	}

	private JsonNode scaling() {
		return client().get().uri("/v1/scaling").retrieve().body(JsonNode.class);
	}

	private RestClient client() {
		return RestClient.create("http://localhost:" + this.port);
	}

}
