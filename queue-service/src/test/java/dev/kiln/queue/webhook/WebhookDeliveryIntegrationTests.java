package dev.kiln.queue.webhook;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.jobstore.JobStore;
import dev.kiln.queue.QueueServiceApplication;
import dev.kiln.queue.lifecycle.JobStateMachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Webhooks against a local HTTP receiver, with whole queue services started and stopped: a delivery that failed in
 * one service is delivered by the next one after a restart, signed with the tenant's secret; one that never succeeds
 * ends as failed on the job.
 */
class WebhookDeliveryIntegrationTests {

	private final List<Received> received = new CopyOnWriteArrayList<>();

	private final AtomicInteger flakyAnswer = new AtomicInteger(500);

	private final JsonMapper json = JsonMapper.builder().build();

	private HttpServer receiver;

	private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	@BeforeEach
	void startReceiver() throws IOException {
		this.receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.receiver.createContext("/", (exchange) -> {
			String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
			this.received.add(new Received(exchange.getRequestURI().getPath(),
					exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER), body));
			int status = exchange.getRequestURI().getPath().equals("/flaky") ? this.flakyAnswer.get() : 503;
			exchange.sendResponseHeaders(status, -1);
			exchange.close();
		});
		this.receiver.start();
	}

	@AfterEach
	void stop() {
		this.contexts.forEach(ConfigurableApplicationContext::close);
		this.receiver.stop(0);
	}

	@Test
	void aFailedDeliveryIsRetriedByANewQueueServiceAfterARestart() {
		ConfigurableApplicationContext first = start();
		String tenant = "hooks-" + JobIds.next().substring(30);
		String jobId = succeededJob(first, tenant, "/flaky");
		await().atMost(Duration.ofSeconds(20)).until(() -> countTo("/flaky") >= 1);
		assertThat(field(first, jobId, JobFields.WEBHOOK_STATUS)).isEqualTo("pending");
		first.close();
		int failedAttempts = countTo("/flaky");

		this.flakyAnswer.set(204);
		ConfigurableApplicationContext second = start();
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(field(second, jobId, JobFields.WEBHOOK_STATUS)).isEqualTo("delivered"));
		assertThat(countTo("/flaky")).isEqualTo(failedAttempts + 1);
		assertThat(second.getBean(MeterRegistry.class).get("kiln.webhook.deliveries").tag("outcome", "delivered")
			.counter()
			.count()).isEqualTo(1);

		Received last = this.received.get(this.received.size() - 1);
		String secret = (String) second.getBean(StringRedisTemplate.class)
			.opsForHash()
			.get(RedisKeys.tenantSettings(tenant), "webhookSecret");
		assertThat(secret).startsWith("whsec_");
		assertThat(WebhookSignature.verify(secret, last.signature(), last.body(), Instant.now().getEpochSecond(), 300))
			.isTrue();
		JsonNode event = this.json.readTree(last.body());
		assertThat(event.get("type").asString()).isEqualTo("job.succeeded");
		assertThat(event.get("data").get("jobId").asString()).isEqualTo(jobId);
		assertThat(event.get("data").get("state").asString()).isEqualTo("SUCCEEDED");
		assertThat(event.get("data").get("outputs").get(0).asString()).isEqualTo("a.png");
		assertThat(event.get("data").get("metadata").get("order").asInt()).isEqualTo(42);
		// every attempt carried the same event
		assertThat(this.received).filteredOn((request) -> request.path().equals("/flaky"))
			.extracting(Received::body)
			.containsOnly(last.body());
	}

	@Test
	void aDeliveryThatNeverSucceedsEndsAsFailedOnTheJob() {
		// 6 s leave room for several attempts 300-600 ms apart even when the first one is late on a loaded machine
		ConfigurableApplicationContext context = start(Duration.ofSeconds(6));
		String jobId = succeededJob(context, "hooks-down", "/down");
		await().atMost(Duration.ofSeconds(40))
			.untilAsserted(() -> assertThat(field(context, jobId, JobFields.WEBHOOK_STATUS)).isEqualTo("failed"));
		assertThat(countTo("/down")).isGreaterThan(1);
		assertThat(context.getBean(MeterRegistry.class).get("kiln.webhook.deliveries").tag("outcome", "failed")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void aQueuedJobItsOwnerCancelsSendsJobCancelled() {
		// the gateway's DELETE /v1/jobs/{id} runs exactly these job store calls (JobRepository.create and .cancel)
		this.flakyAnswer.set(204);
		ConfigurableApplicationContext context = start();
		String tenant = "hooks-cancel";
		JobMessage message = new JobMessage(1, JobIds.next(), tenant, "test-model", "p", null, 64, 64, 4, 7.5, 1, 1,
				Lane.BATCH, Instant.now(), null);
		JobStore store = new JobStore(context.getBean(StringRedisTemplate.class));
		store.create(message, Map.of(JobFields.STATE, "QUEUED", JobFields.TENANT, tenant, JobFields.LANE, "batch",
				JobFields.ATTEMPT, "0", JobFields.REQUEST, this.json.writeValueAsString(message), JobFields.CALLBACK_URL,
				"http://127.0.0.1:" + this.receiver.getAddress().getPort() + "/flaky"), null, Duration.ofMinutes(1), 10);
		assertThat(store.cancel(tenant, message.jobId(), Lane.BATCH, Instant.now(), Duration.ofHours(1)))
			.hasToString("QUEUED>CANCELLED");
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(field(context, message.jobId(), JobFields.WEBHOOK_STATUS))
				.isEqualTo("delivered"));
		JsonNode event = this.json.readTree(this.received.get(this.received.size() - 1).body());
		assertThat(event.get("type").asString()).isEqualTo("job.cancelled");
		assertThat(event.get("data").get("jobId").asString()).isEqualTo(message.jobId());
		assertThat(event.get("data").get("state").asString()).isEqualTo("CANCELLED");
	}

	private ConfigurableApplicationContext start() {
		// long enough that a slow restart never makes the retried delivery give up
		return start(Duration.ofSeconds(60));
	}

	private ConfigurableApplicationContext start(Duration giveUpAfter) {
		List<String> args = new ArrayList<>();
		SharedEmbeddedStack.get().serviceProperties().forEach((name, value) -> args.add("--" + name + "=" + value));
		args.addAll(List.of("--server.port=0", "--kiln.provision=true", "--kiln.queues.prefix=qshooks",
				"--kiln.storage.bucket=qshooks-images", "--kiln.callbacks.allow-http=true",
				"--kiln.callbacks.allow-non-default-ports=true", "--kiln.callbacks.allow-private-networks=true",
				"--kiln.webhooks.poll-interval=100ms", "--kiln.webhooks.initial-backoff=300ms",
				"--kiln.webhooks.max-backoff=600ms", "--kiln.webhooks.give-up-after=" + giveUpAfter.toMillis() + "ms",
				"--kiln.retention-sweep.enabled=false", "--spring.cloud.aws.sqs.listener.poll-timeout=1s"));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(QueueServiceApplication.class)
			.run(args.toArray(String[]::new));
		this.contexts.add(context);
		return context;
	}

	private String succeededJob(ConfigurableApplicationContext context, String tenant, String path) {
		String id = JobIds.next();
		JobMessage message = new JobMessage(1, id, tenant, "test-model", "p", null, 64, 64, 4, 7.5, 1, 1,
				Lane.STANDARD, Instant.now(), null);
		context.getBean(StringRedisTemplate.class)
			.opsForHash()
			.putAll(RedisKeys.job(id), Map.of(JobFields.STATE, "QUEUED", JobFields.LANE, "standard",
					JobFields.ATTEMPT, "0", JobFields.TENANT, tenant, JobFields.REQUEST,
					this.json.writeValueAsString(message), JobFields.METADATA, "{\"order\":42}", JobFields.CALLBACK_URL,
					"http://127.0.0.1:" + this.receiver.getAddress().getPort() + path));
		context.getBean(JobStateMachine.class)
			.apply(JobEvent.succeeded(id, 4, List.of("a.png"), 1, "w1", Instant.now()));
		return id;
	}

	private String field(ConfigurableApplicationContext context, String jobId, String field) {
		return (String) context.getBean(StringRedisTemplate.class).opsForHash().get(RedisKeys.job(jobId), field);
	}

	private int countTo(String path) {
		return (int) this.received.stream().filter((request) -> request.path().equals(path)).count();
	}

	private record Received(String path, String signature, String body) {
	}

}
