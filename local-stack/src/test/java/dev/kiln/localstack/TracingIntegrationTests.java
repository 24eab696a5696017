package dev.kiln.localstack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.env.MapPropertySource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One job is one trace across every hop: the local stack runs with an in-memory span exporter in each service's
 * context; a job with a webhook is run through gateway → SQS → worker → events → queue service → webhook, and its spans
 * are checked for one trace id (the {@code traceId} that {@code GET /v1/jobs/{id}} shows), their parent links and the
 * {@code kiln.job.id} attribute. The span names and links are those of the shared tracing conventions (issue 18).
 */
class TracingIntegrationTests {

	private static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("kiln.job.id");

	private static final InMemorySpanExporter spans = InMemorySpanExporter.create();

	private static final List<String> webhookTraceparents = new CopyOnWriteArrayList<>();

	private static HttpServer receiver;

	private static LocalStack stack;

	private static String jobId;

	/** The job as {@code GET /v1/jobs/{id}} shows it once it succeeded. */
	private static JsonNode job;

	@BeforeAll
	static void runAJobWithAWebhook(@TempDir Path work) throws IOException {
		receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		receiver.createContext("/hook", (exchange) -> {
			webhookTraceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
		});
		receiver.start();
		stack = LocalStack.start(LocalStackOptions.anyPorts(work), (context) -> {
			context.getBeanFactory().registerSingleton("inMemorySpans", spans);
			// spans are exported in batches: every 100 ms rather than Boot's 5 s
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("tracingTest",
						Map.of("management.opentelemetry.tracing.export.schedule-delay", "100ms")));
		});
		RestClient gateway = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.baseUrl(stack.gatewayUrl())
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + stack.apiKey())
			.build();
		jobId = gateway.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"prompt": "a traced kiln", "width": 64, "height": 64, "steps": 3, "seed": 7,
					 "callbackUrl": "http://127.0.0.1:%d/hook"}""".formatted(receiver.getAddress().getPort()))
			.retrieve()
			.body(JsonNode.class)
			.get("id")
			.asString();
		await().atMost(Duration.ofSeconds(90))
			.pollInterval(Duration.ofMillis(250))
			.until(() -> gateway.get().uri("/v1/jobs/{id}", jobId).retrieve().body(JsonNode.class).get("state").asString(),
					"SUCCEEDED"::equals);
		job = gateway.get().uri("/v1/jobs/{id}", jobId).retrieve().body(JsonNode.class);
		// the webhook is delivered after the job succeeded; its span ends with the delivery
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(named("kiln.webhook.deliver")).isNotEmpty());
	}

	@AfterAll
	static void stop() {
		if (stack != null) {
			stack.close();
		}
		if (receiver != null) {
			receiver.stop(0);
		}
	}

	@Test
	void theJobsSpansShareTheTraceIdItsStatusShows() {
		String traceId = job.path("traceId").asString();
		assertThat(traceId).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
		List<SpanData> ofTheJob = spans.getFinishedSpanItems()
			.stream()
			.filter((span) -> jobId.equals(span.getAttributes().get(JOB_ID)))
			.toList();
		assertThat(ofTheJob).extracting(SpanData::getName)
			.contains("kiln.job.submit", "kiln.job.enqueue", "kiln.job.transition", "kiln.webhook.deliver");
		assertThat(ofTheJob).extracting(SpanData::getTraceId).containsOnly(traceId);
	}

	@Test
	void submitIsAChildOfTheHttpRequestAndEnqueueOfSubmit() {
		SpanData submit = one("kiln.job.submit");
		SpanData enqueue = one("kiln.job.enqueue");
		SpanData request = byId(submit.getParentSpanId());
		assertThat(request.getKind()).isEqualTo(SpanKind.SERVER);
		assertThat(request.getName()).containsIgnoringCase("post");
		assertThat(enqueue.getParentSpanId()).isEqualTo(submit.getSpanId());
		assertThat(enqueue.getAttributes().get(AttributeKey.stringKey("kiln.tenant"))).isEqualTo("demo");
		assertThat(enqueue.getAttributes().get(AttributeKey.stringKey("kiln.lane"))).isEqualTo("standard");
	}

	@Test
	void theStateMachineStepsContinueTheEventsContext() {
		List<SpanData> transitions = named("kiln.job.transition");
		assertThat(transitions).extracting((span) -> span.getAttributes().get(AttributeKey.stringKey("kiln.job.to")))
			.contains("RUNNING", "SUCCEEDED");
		Set<String> spanIds = spans.getFinishedSpanItems().stream().map(SpanData::getSpanId).collect(Collectors.toSet());
		// every step's parent is a span of the job's trace (the worker's span that sent the event)
		assertThat(transitions).allSatisfy((transition) -> assertThat(spanIds).contains(transition.getParentSpanId()));
		SpanData succeeded = transitions.stream()
			.filter((span) -> "SUCCEEDED".equals(span.getAttributes().get(AttributeKey.stringKey("kiln.job.to"))))
			.findFirst()
			.orElseThrow();
		assertThat(byId(succeeded.getParentSpanId()).getName()).isEqualTo("kiln.job.render");
	}

	@Test
	void theWorkerWaitsAndRendersUnderTheEnqueueSpan() {
		SpanData enqueue = one("kiln.job.enqueue");
		SpanData queueWait = one("kiln.job.queue-wait");
		SpanData render = one("kiln.job.render");
		assertThat(queueWait.getParentSpanId()).isEqualTo(enqueue.getSpanId());
		assertThat(render.getParentSpanId()).isEqualTo(enqueue.getSpanId());
		assertThat(render.getEvents()).extracting((event) -> event.getName()).contains("step");
		assertThat(named("kiln.s3.put")).isNotEmpty()
			.allSatisfy((put) -> assertThat(put.getParentSpanId()).isEqualTo(render.getSpanId()));
	}

	@Test
	void theWebhookIsDeliveredUnderTheEnqueueSpanAndCarriesItsOwnContext() {
		SpanData enqueue = one("kiln.job.enqueue");
		SpanData deliver = one("kiln.webhook.deliver");
		assertThat(deliver.getParentSpanId()).isEqualTo(enqueue.getSpanId());
		assertThat(webhookTraceparents).isNotEmpty()
			.allSatisfy((traceparent) -> assertThat(traceparent)
				.matches("00-" + deliver.getTraceId() + "-[0-9a-f]{16}-0[13]"));
		assertThat(webhookTraceparents).anySatisfy(
				(traceparent) -> assertThat(traceparent).contains("-" + deliver.getSpanId() + "-"));
	}

	private static List<SpanData> named(String name) {
		return spans.getFinishedSpanItems()
			.stream()
			.filter((span) -> span.getName().equals(name))
			.filter(ofJob())
			.toList();
	}

	private static Predicate<SpanData> ofJob() {
		return (span) -> jobId.equals(span.getAttributes().get(JOB_ID));
	}

	private static SpanData one(String name) {
		List<SpanData> found = named(name);
		assertThat(found).as("spans %s of job %s", name, jobId).hasSize(1);
		return found.get(0);
	}

	private static SpanData byId(String spanId) {
		return spans.getFinishedSpanItems()
			.stream()
			.filter((span) -> span.getSpanId().equals(spanId))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No span " + spanId + " was exported"));
	}

}
