package dev.kiln.advisor.scaling;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A job announced on its lane's arrivals channel, as the gateway's create script does, is decided on at once: the
 * poll here runs once an hour, so only the arrival can turn the lane active. A burst of arrivals costs one decision.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
		properties = { "kiln.queues.prefix=waketest", "kiln.advisor.poll-interval=1h", "kiln.advisor.grpc-port=0",
				"kiln.advisor.policy=queue-length", "kiln.advisor.cooldown=0s", "kiln.advisor.wake.coalesce=200ms",
				"kiln.advisor.cost.attribution=false" })
class ArrivalWakeIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("waketest");

	private final String jobId = "wake-" + UUID.randomUUID();

	@Autowired
	private ScalingAdvisor advisor;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private MeterRegistry meters;

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@BeforeAll
	static void queues(@Autowired SqsAsyncClient sqs) {
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(QUEUES.jobs(lane))).join();
		}
	}

	@AfterEach
	void clean() {
		this.redis.opsForZSet().remove(RedisKeys.laneQueued(Lane.INTERACTIVE), this.jobId);
	}

	@Test
	void anArrivalIsDecidedOnAtOnceAndABurstCostsOneDecision() {
		// the start-up poll may have run before the queues existed: decide once by hand, nothing queued
		this.advisor.refresh();
		assertThat(this.advisor.decision()).isNotNull();
		assertThat(this.advisor.decision().lane(Lane.INTERACTIVE).total()).isZero();
		double before = wakeDecisions();

		// recorded and announced; its message not sent yet, as when the create script runs
		this.redis.opsForZSet()
			.add(RedisKeys.laneQueued(Lane.INTERACTIVE), this.jobId, Instant.now().toEpochMilli());
		for (int i = 0; i < 20; i++) {
			this.redis.convertAndSend(RedisKeys.laneArrivals(Lane.INTERACTIVE), this.jobId);
		}

		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.advisor.decision().lane(Lane.INTERACTIVE).total()).isEqualTo(1));
		assertThat(this.meters.get("kiln.advisor.arrivals").counter().count()).isGreaterThanOrEqualTo(20);
		// 20 arrivals within the 200 ms coalescing window: one decision, a second at most if the burst straddled it
		assertThat(wakeDecisions() - before).isBetween(1.0, 2.0);
	}

	private double wakeDecisions() {
		return this.meters.get("kiln.advisor.wake.decisions").counter().count();
	}

}
