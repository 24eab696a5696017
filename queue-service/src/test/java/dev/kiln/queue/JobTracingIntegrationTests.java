package dev.kiln.queue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.logging.LoggingSystemProperty;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.mock.env.MockEnvironment;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The queue service's part of a job's trace, with a whole queue service and its spans kept in memory: an event
 * message's {@code traceparent} attribute is the parent of the {@code kiln.job.transition} span that applies it, the
 * webhook delivery is a {@code kiln.webhook.deliver} span under the context recorded with the job and sends its W3C
 * {@code traceparent} header, and with structured (ECS) logs a line about the job carries {@code traceId} next to
 * {@code jobId}.
 */
@ExtendWith(OutputCaptureExtension.class)
class JobTracingIntegrationTests {

	private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	/** What the gateway recorded with the job: its enqueue span's context. */
	private static final String ENQUEUE_SPAN = "00f067aa0ba902b7";

	/** What the worker sent with the event: its render span's context. */
	private static final String RENDER_SPAN = "b7ad6b7169203331";

	private final InMemorySpanExporter spans = InMemorySpanExporter.create();

	private final List<Map<String, String>> webhooks = new CopyOnWriteArrayList<>();

	private final JsonMapper json = JsonMapper.builder().build();

	private HttpServer receiver;

	private ConfigurableApplicationContext context;

	@BeforeEach
	void start() throws IOException {
		this.receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.receiver.createContext("/", (exchange) -> {
			this.webhooks.add(Map.of("traceparent",
					String.valueOf(exchange.getRequestHeaders().getFirst("traceparent"))));
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
		});
		this.receiver.start();
		List<String> args = new ArrayList<>();
		SharedEmbeddedStack.get().serviceProperties().forEach((name, value) -> args.add("--" + name + "=" + value));
		args.addAll(List.of("--server.port=0", "--kiln.provision=true", "--kiln.queues.prefix=qstrace",
				"--kiln.storage.bucket=qstrace-images", "--kiln.callbacks.allow-http=true",
				"--kiln.callbacks.allow-non-default-ports=true", "--kiln.callbacks.allow-private-networks=true",
				"--kiln.webhooks.poll-interval=100ms", "--kiln.retention-sweep.enabled=false",
				"--kiln.stuck-jobs.interval=1h", "--kiln.outbox.interval=1h",
				"--spring.cloud.aws.sqs.listener.poll-timeout=1s",
				"--management.opentelemetry.tracing.export.schedule-delay=100ms",
				"--logging.structured.format.console=ecs",
				"--logging.level.dev.kiln.queue.lifecycle.JobEventListener=DEBUG"));
		this.context = new SpringApplicationBuilder(QueueServiceApplication.class)
			.initializers((context) -> context.getBeanFactory().registerSingleton("inMemorySpans", this.spans))
			.run(args.toArray(String[]::new));
	}

	@AfterEach
	void stop() {
		if (this.context != null) {
			this.context.close();
		}
		this.receiver.stop(0);
		// the next test class in this JVM logs as plain text again (cleanUp alone leaves the JSON layout in place)
		LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
		logging.cleanUp();
		// Boot hands the format to Logback as a system property, which outlives the context that set it
		System.clearProperty(LoggingSystemProperty.CONSOLE_STRUCTURED_FORMAT.getEnvironmentVariableName());
		logging.beforeInitialize();
		logging.initialize(new LoggingInitializationContext(new MockEnvironment()), null, null);
	}

	@Test
	void anEventAndTheWebhookItTriggersContinueTheJobsTrace(CapturedOutput output) {
		String jobId = queuedJobWithCallback();
		JobEvent succeeded = JobEvent.succeeded(jobId, 4, List.of("a.png"), 1, "w1", Instant.now());
		SqsAsyncClient sqs = this.context.getBean(SqsAsyncClient.class);
		String events = sqs.getQueueUrl((request) -> request.queueName(new QueueNames("qstrace").events()))
			.join()
			.queueUrl();
		sqs.sendMessage((request) -> request.queueUrl(events)
			.messageBody(this.json.writeValueAsString(succeeded))
			.messageAttributes(Map.of("traceparent", MessageAttributeValue.builder()
				.dataType("String")
				.stringValue("00-" + TRACE_ID + "-" + RENDER_SPAN + "-01")
				.build())))
			.join();

		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(named("kiln.webhook.deliver")).isNotEmpty());
		SpanData transition = named("kiln.job.transition").get(0);
		assertThat(transition.getTraceId()).isEqualTo(TRACE_ID);
		assertThat(transition.getParentSpanId()).isEqualTo(RENDER_SPAN);
		assertThat(transition.getAttributes().get(AttributeKey.stringKey("kiln.job.id"))).isEqualTo(jobId);
		assertThat(transition.getAttributes().get(AttributeKey.stringKey("kiln.job.from"))).isEqualTo("QUEUED");
		assertThat(transition.getAttributes().get(AttributeKey.stringKey("kiln.job.to"))).isEqualTo("SUCCEEDED");

		SpanData deliver = named("kiln.webhook.deliver").get(0);
		assertThat(deliver.getTraceId()).isEqualTo(TRACE_ID);
		assertThat(deliver.getParentSpanId()).isEqualTo(ENQUEUE_SPAN);
		assertThat(deliver.getAttributes().get(AttributeKey.stringKey("kiln.job.id"))).isEqualTo(jobId);
		assertThat(deliver.getAttributes().get(AttributeKey.stringKey("kiln.webhook.outcome"))).isEqualTo("delivered");
		// the receiver got the delivery span's context: version, trace, span, sampled
		assertThat(this.webhooks).singleElement()
			.satisfies((headers) -> assertThat(headers.get("traceparent")).matches("00-" + TRACE_ID + "-"
					+ deliver.getSpanId() + "-0[13]"));

		JsonNode line = output.getOut()
			.lines()
			.filter((text) -> text.startsWith("{") && text.contains("event SUCCEEDED"))
			.map(this.json::readTree)
			.filter((node) -> node.path("message").asString().contains(jobId))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No structured line about job " + jobId + " in:\n" + output));
		assertThat(line.path("jobId").asString()).isEqualTo(jobId);
		assertThat(line.path("traceId").asString()).isEqualTo(TRACE_ID);
		assertThat(line.path("spanId").asString()).isEqualTo(transition.getSpanId());
	}

	private List<SpanData> named(String name) {
		return this.spans.getFinishedSpanItems().stream().filter((span) -> span.getName().equals(name)).toList();
	}

	private String queuedJobWithCallback() {
		String id = JobIds.next();
		JobMessage message = new JobMessage(1, id, "traced", "test-model", "p", null, 64, 64, 4, 7.5, 1, 1,
				Lane.STANDARD, Instant.now(), null);
		this.context.getBean(StringRedisTemplate.class)
			.opsForHash()
			.putAll(RedisKeys.job(id), Map.of(JobFields.STATE, "QUEUED", JobFields.LANE, "standard", JobFields.ATTEMPT,
					"0", JobFields.TENANT, "traced", JobFields.REQUEST, this.json.writeValueAsString(message),
					JobFields.CALLBACK_URL, "http://127.0.0.1:" + this.receiver.getAddress().getPort() + "/hook",
					JobFields.TRACEPARENT, "00-" + TRACE_ID + "-" + ENQUEUE_SPAN + "-01", JobFields.TRACE_ID,
					TRACE_ID));
		return id;
	}

}
