package dev.kiln.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing (issue 18, TRACE-CONVENTIONS) against real SQS and S3 protocols: a job's spans belong to the trace its message
 * carried in its {@code traceparent} attribute (W3C Trace Context, https://www.w3.org/TR/trace-context/), and its
 * events carry the trace on to the queue service. Boot's tracing auto-configuration exports the spans to every
 * {@code SpanExporter} bean: here an in-memory one.
 */
@SpringBootTest(properties = { "kiln.queues.prefix=wktrace", "kiln.storage.bucket=wktrace-images",
		"kiln.worker.id=worker-trace-it", "kiln.worker.model-cache=target/test-models",
		"kiln.worker.models.kiln-builtin.max-pixels=65536", "kiln.worker.models.kiln-builtin.max-steps=1000",
		"kiln.worker.receive-batch=4", "kiln.worker.heartbeat-interval=1s", "kiln.worker.lease-ttl=3s",
		"kiln.worker.visibility-timeout=5s", "kiln.worker.batching.cpu=true",
		"management.opentelemetry.tracing.export.schedule-delay=50ms" })
@AutoConfigureTracing
class WorkerTracingIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("wktrace");

	private static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("kiln.job.id");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		WorkerStack.register(registry, "wktrace");
	}

	@BeforeAll
	static void bucket(@Autowired S3Client s3) {
		s3.createBucket((b) -> b.bucket("wktrace-images"));
	}

	@Autowired
	private SqsAsyncClient sqs;

	@Autowired
	private S3Client s3;

	@Autowired
	private JsonMapper json;

	@Autowired
	private InMemorySpanExporter spans;

	/** Events read from the events queue, with the {@code traceparent} attribute each carried (or none). */
	private final Map<String, List<Received>> seen = new HashMap<>();

	@BeforeEach
	void drainEvents() {
		this.sqs.purgeQueue((b) -> b.queueUrl(url(QUEUES.events()))).join();
	}

	@Test
	void aJobsSpansAndEventsBelongToTheTraceItsMessageCarried() {
		String traceId = randomHex(32);
		String parentId = randomHex(16);
		JobMessage job = job("a lighthouse at dusk", 3);
		long sentBefore = System.currentTimeMillis();
		send(job, "00-" + traceId + "-" + parentId + "-01");

		List<Received> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
		List<SpanData> spans = awaitSpans(job.jobId(), 5);

		SpanData queueWait = only(spans, "kiln.job.queue-wait");
		SpanData receive = only(spans, "kiln.job.receive");
		SpanData render = only(spans, "kiln.job.render");
		for (SpanData span : List.of(queueWait, receive, render)) {
			assertThat(span.getTraceId()).as(span.getName()).isEqualTo(traceId);
			assertThat(span.getParentSpanId()).as(span.getName() + ": a child of the message's context")
				.isEqualTo(parentId);
			assertThat(span.getAttributes().get(AttributeKey.stringKey("kiln.tenant"))).isEqualTo("acme");
			assertThat(span.getAttributes().get(AttributeKey.stringKey("kiln.lane"))).isEqualTo("standard");
			assertThat(span.getAttributes().get(AttributeKey.stringKey("kiln.model"))).isEqualTo("kiln-builtin");
		}
		// queue-wait runs from SQS's SentTimestamp (whole milliseconds) to the receipt, before the job is taken up
		assertThat(queueWait.getStartEpochNanos() % 1_000_000).as("SentTimestamp is in milliseconds").isZero();
		assertThat(TimeUnit.NANOSECONDS.toMillis(queueWait.getStartEpochNanos())).isBetween(sentBefore - 1000,
				System.currentTimeMillis());
		assertThat(queueWait.getEndEpochNanos()).isGreaterThanOrEqualTo(queueWait.getStartEpochNanos())
			.isLessThanOrEqualTo(render.getStartEpochNanos());
		// one event per step, numbered
		assertThat(render.getEvents()).extracting(EventData::getName).containsOnly("step");
		assertThat(render.getEvents()).extracting((event) -> event.getAttributes().get(AttributeKey.longKey("kiln.step")))
			.containsExactly(1L, 2L, 3L);
		// one kiln.s3.put per object written, children of the render span (written on other threads)
		List<SpanData> puts = spans.stream().filter((span) -> span.getName().equals("kiln.s3.put")).toList();
		assertThat(puts).extracting((span) -> span.getAttributes().get(AttributeKey.stringKey("aws.s3.key")))
			.containsExactlyInAnyOrder(ObjectKeys.image("acme", job.jobId(), 0), ObjectKeys.metadata("acme", job.jobId()));
		assertThat(puts).allSatisfy((put) -> {
			assertThat(put.getTraceId()).isEqualTo(traceId);
			assertThat(put.getParentSpanId()).isEqualTo(render.getSpanId());
		});
		// every event carries the trace on: STARTED and SUCCEEDED are sent in the render span
		assertThat(events).extracting((event) -> event.event().type())
			.contains(JobEventType.STARTED, JobEventType.SUCCEEDED);
		assertThat(events).allSatisfy((event) -> assertTraceparent(event, traceId, render.getSpanId()));

		assertThat(this.json.readTree(object(ObjectKeys.metadata("acme", job.jobId()))).get("traceId").asString())
			.isEqualTo(traceId);
	}

	@Test
	void aJobWhoseMessageCarriedNoTraceStillRendersInATraceOfItsOwn() {
		JobMessage job = job("a quiet harbour", 2);
		send(job, null);

		List<Received> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
		List<SpanData> spans = awaitSpans(job.jobId(), 4);

		SpanData queueWait = only(spans, "kiln.job.queue-wait");
		SpanData render = only(spans, "kiln.job.render");
		assertThat(queueWait.getParentSpanId()).as("the root of a new trace").isEqualTo(SpanId.getInvalid());
		assertThat(spans).as("all the job's spans in that one trace")
			.allSatisfy((span) -> assertThat(span.getTraceId()).isEqualTo(queueWait.getTraceId()));
		assertThat(only(spans, "kiln.job.receive").getParentSpanId()).isEqualTo(queueWait.getSpanId());
		assertThat(render.getParentSpanId()).isEqualTo(queueWait.getSpanId());
		assertThat(this.json.readTree(object(ObjectKeys.metadata("acme", job.jobId()))).get("traceId").asString())
			.isEqualTo(render.getTraceId());
		assertThat(events).allSatisfy((event) -> assertTraceparent(event, render.getTraceId(), render.getSpanId()));
	}

	@Test
	void jobsRenderedInOnePassEachKeepTheirOwnRenderSpanInTheirOwnTrace() {
		// while the worker renders a blocker, two compatible jobs queue up and are then received together
		JobMessage blocker = new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "a blocker", null, 128, 128, 300,
				7.5, 42, 1, Lane.STANDARD, Instant.now(), null);
		send(blocker, null);
		awaitEvents(blocker.jobId(), JobEventType.STARTED);
		String foxTrace = randomHex(32);
		String cityTrace = randomHex(32);
		JobMessage fox = job("a red fox in the snow", 2);
		JobMessage city = job("neon city skyline at night", 2);
		send(fox, "00-" + foxTrace + "-" + randomHex(16) + "-01");
		send(city, "00-" + cityTrace + "-" + randomHex(16) + "-01");
		List<Received> foxEvents = awaitEvents(fox.jobId(), JobEventType.SUCCEEDED);
		List<Received> cityEvents = awaitEvents(city.jobId(), JobEventType.SUCCEEDED);
		assertThat(this.json.readTree(object(ObjectKeys.metadata("acme", fox.jobId()))).get("batchSize").asInt())
			.as("rendered in one pass").isEqualTo(2);

		SpanData foxRender = only(awaitSpans(fox.jobId(), 5), "kiln.job.render");
		SpanData cityRender = only(awaitSpans(city.jobId(), 5), "kiln.job.render");
		assertThat(foxRender.getTraceId()).isEqualTo(foxTrace);
		assertThat(cityRender.getTraceId()).isEqualTo(cityTrace);
		for (SpanData render : List.of(foxRender, cityRender)) {
			assertThat(render.getAttributes().get(AttributeKey.longKey("kiln.batch.size"))).isEqualTo(2L);
			assertThat(render.getEvents()).hasSize(2);
		}
		assertThat(foxRender.getStartEpochNanos()).as("the same pass").isEqualTo(cityRender.getStartEpochNanos());
		assertThat(foxEvents).allSatisfy((event) -> assertThat(event.traceparent()).contains(foxTrace));
		assertThat(cityEvents).allSatisfy((event) -> assertThat(event.traceparent()).contains(cityTrace));
	}

	/**
	 * A W3C traceparent, version 00, of this trace and parent, sampled: the flags' low bit (a trace the worker started
	 * may also set the "random trace id" bit, 0x02, of Trace Context Level 2).
	 */
	private static void assertTraceparent(Received event, String traceId, String parentId) {
		assertThat(event.traceparent()).as("traceparent of %s", event.event().type())
			.startsWith("00-" + traceId + "-" + parentId + "-")
			.hasSize(55);
		assertThat(Integer.parseInt(event.traceparent().substring(53), 16) & 1).as("sampled").isOne();
	}

	@Test
	void theHeartbeatsRedisCommandsAndActuatorRequestsDoNotStartTracesOfTheirOwn() {
		// the heartbeat writes to Redis every second (kiln.worker.heartbeat-interval=1s)
		await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
		this.spans.flush();
		assertThat(this.spans.getFinishedSpanItems())
			.filteredOn((span) -> !span.getParentSpanContext().isValid())
			.noneMatch((span) -> "redis".equals(span.getAttributes().get(AttributeKey.stringKey("db.system"))));
	}

	private static SpanData only(List<SpanData> spans, String name) {
		List<SpanData> named = spans.stream().filter((span) -> span.getName().equals(name)).toList();
		assertThat(named).as("spans named %s among %s", name, spans).hasSize(1);
		return named.get(0);
	}

	/** The finished spans of the job, once there are at least {@code count}. */
	private List<SpanData> awaitSpans(String jobId, int count) {
		await().atMost(Duration.ofSeconds(20)).until(() -> spansOf(jobId).size() >= count);
		return spansOf(jobId);
	}

	private List<SpanData> spansOf(String jobId) {
		return this.spans.getFinishedSpanItems()
			.stream()
			.filter((span) -> jobId.equals(span.getAttributes().get(JOB_ID)))
			.toList();
	}

	private static JobMessage job(String prompt, int steps) {
		return new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", prompt, null, 96, 64, steps, 7.5, 7, 1,
				Lane.STANDARD, Instant.now(), null);
	}

	private void send(JobMessage job, String traceparent) {
		String body = this.json.writeValueAsString(job);
		Map<String, MessageAttributeValue> attributes = (traceparent != null)
				? Map.of("traceparent",
						MessageAttributeValue.builder().dataType("String").stringValue(traceparent).build())
				: Map.of();
		this.sqs.sendMessage((b) -> b.queueUrl(url(QUEUES.jobs(job.lane()))).messageBody(body)
			.messageAttributes(attributes)).join();
	}

	/** Every event of the job seen so far, once one of type {@code last} is among them. */
	private List<Received> awaitEvents(String jobId, JobEventType last) {
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			readEvents();
			return this.seen.getOrDefault(jobId, List.of()).stream().anyMatch((event) -> event.event().type() == last);
		});
		return new ArrayList<>(this.seen.get(jobId));
	}

	private void readEvents() {
		for (Message message : this.sqs
			.receiveMessage((b) -> b.queueUrl(url(QUEUES.events()))
				.maxNumberOfMessages(10)
				.waitTimeSeconds(1)
				.messageAttributeNames("All"))
			.join()
			.messages()) {
			JobEvent event = this.json.readValue(message.body(), JobEvent.class);
			MessageAttributeValue traceparent = message.messageAttributes().get("traceparent");
			this.seen.computeIfAbsent(event.jobId(), (id) -> new ArrayList<>())
				.add(new Received(event, (traceparent != null) ? traceparent.stringValue() : null));
			this.sqs.deleteMessage((b) -> b.queueUrl(url(QUEUES.events())).receiptHandle(message.receiptHandle()))
				.join();
		}
	}

	private byte[] object(String key) {
		return this.s3.getObject((b) -> b.bucket("wktrace-images").key(key), ResponseTransformer.toBytes())
			.asByteArray();
	}

	private String url(String queue) {
		return this.sqs.getQueueUrl((b) -> b.queueName(queue)).join().queueUrl();
	}

	private static String randomHex(int length) {
		StringBuilder hex = new StringBuilder(length);
		while (hex.length() < length) {
			hex.append(Character.forDigit(ThreadLocalRandom.current().nextInt(1, 16), 16));
		}
		return hex.toString();
	}

	/** An event as read from the events queue, with its {@code traceparent} attribute. */
	private record Received(JobEvent event, String traceparent) {
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class InMemorySpans {

		@Bean
		InMemorySpanExporter inMemorySpanExporter() {
			return InMemorySpanExporter.create();
		}

	}

}
