package dev.kiln.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.jobstore.Transition;
import dev.kiln.queue.lifecycle.JobStateMachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The queue service against real SQS, S3 and Redis protocols: provisioning, the event consumer and the state machine.
 */
// The stuck-job sweep and the outbox relay work on shared keys ({kiln}:jobs:running, the unsent set) that other test
// classes count with sweeps of their own; no test here needs them, so they are slowed down to never run. The webhook
// dispatcher, which tests here need, polls the shared due set: the context is closed after this class, so it cannot
// claim another class's deliveries.
@SpringBootTest(properties = { "kiln.provision=true", "kiln.queues.prefix=qstest", "kiln.storage.bucket=qstest-images",
		"kiln.queues.visibility-timeout=1s", "kiln.retention=1h", "kiln.stuck-jobs.interval=1h",
		"kiln.outbox.interval=1h", "spring.cloud.aws.sqs.listener.poll-timeout=1s" })
@org.springframework.test.annotation.DirtiesContext
class QueueServiceIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("qstest");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@Autowired
	private SqsAsyncClient sqs;

	@Autowired
	private S3Client s3;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private JobStateMachine stateMachine;

	@Autowired
	private JsonMapper json;

	@Autowired
	private MeterRegistry meters;

	@Test
	void provisioningCreatesEveryLaneWithItsDeadLetterQueueAndTheBucket() {
		for (Lane lane : Lane.values()) {
			Map<QueueAttributeName, String> attributes = attributes(QUEUES.jobs(lane));
			JsonNode redrive = this.json.readTree(attributes.get(QueueAttributeName.REDRIVE_POLICY));
			assertThat(redrive.get("deadLetterTargetArn").asString()).endsWith(":" + QUEUES.deadLetters(lane));
			assertThat(redrive.get("maxReceiveCount").asInt()).isEqualTo(3);
			assertThat(attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("1");
		}
		assertThat(attributes(QUEUES.events()).get(QueueAttributeName.REDRIVE_POLICY))
			.contains(QUEUES.eventsDeadLetters());
		assertThat(this.s3.listBuckets().buckets()).anyMatch((bucket) -> bucket.name().equals("qstest-images"));
	}

	@Test
	void aJobReceivedMoreThanMaxReceiveCountTimesEndsInItsDeadLetterQueue() {
		String url = url(QUEUES.jobs(Lane.BATCH));
		this.sqs.sendMessage((b) -> b.queueUrl(url).messageBody("poison")).join();
		// Receive without deleting, as a crashing worker would: after three receives SQS moves it on the next one.
		AtomicInteger receives = new AtomicInteger();
		List<Message> dead = await().atMost(Duration.ofSeconds(20)).until(() -> {
			receives.addAndGet(receive(url).size());
			return this.sqs.receiveMessage((b) -> b.queueUrl(url(QUEUES.deadLetters(Lane.BATCH)))).join().messages();
		}, (messages) -> !messages.isEmpty());
		assertThat(receives).hasValue(3);
		assertThat(dead).extracting(Message::body).containsExactly("poison");
	}

	@Test
	void eventsOnTheEventsQueueMoveTheJobToSucceeded() {
		String id = queuedJob(Lane.INTERACTIVE);
		send(JobEvent.started(id, 4, 1, "w1", Instant.now()));
		send(JobEvent.progress(id, 2, 4, 1, "w1", Instant.now()));
		send(JobEvent.succeeded(id, 4, List.of("jobs/default/" + id + "/0.png"), 1, "w1", Instant.now()));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(field(id, JobFields.STATE)).isEqualTo("SUCCEEDED"));
		assertThat(field(id, JobFields.OUTPUTS)).isEqualTo("[\"jobs/default/" + id + "/0.png\"]");
		assertThat(this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.INTERACTIVE), id)).isNull();
		assertThat(this.redis.getExpire(RedisKeys.job(id))).isBetween(1L, 3600L);
	}

	@Test
	void fullLifecycleRecordsTimesProgressAndAttempt() {
		String id = queuedJob(Lane.STANDARD);
		assertThat(this.stateMachine.apply(JobEvent.started(id, 8, 1, "w1", at(1)))).hasToString("QUEUED>RUNNING");
		assertThat(field(id, JobFields.STARTED_AT)).isEqualTo(at(1).toString());
		assertThat(this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.STANDARD), id)).isNull();
		assertThat(this.stateMachine.apply(JobEvent.progress(id, 3, 8, 1, "w1", at(2)))).hasToString("RUNNING>RUNNING");
		assertThat(field(id, JobFields.STEP)).isEqualTo("3");
		assertThat(this.stateMachine.apply(JobEvent.progress(id, 2, 8, 1, "w1", at(3)))).hasToString("ignored:old-step");
		assertThat(field(id, JobFields.STEP)).isEqualTo("3");
		assertThat(this.stateMachine.apply(JobEvent.failed(id, "render-error", "out of memory", 1, "w1", at(4))))
			.hasToString("RUNNING>FAILED");
		assertThat(field(id, JobFields.ERROR_TYPE)).isEqualTo("render-error");
		assertThat(field(id, JobFields.FINISHED_AT)).isEqualTo(at(4).toString());
		List<MapRecord<String, Object, Object>> stream = this.redis.opsForStream().range(RedisKeys.jobEvents(id), Range.unbounded());
		assertThat(stream).extracting((entry) -> entry.getValue().get("kind") + ":" + entry.getValue().get("state"))
			.containsExactly("state:RUNNING", "progress:RUNNING", "state:FAILED");
		assertThat(stream.get(2).getValue()).containsEntry("errorType", "render-error");
	}

	@Test
	void successRecordsRenderSecondsAndFeedsTheModelsMeanRenderTime() {
		String id = queuedJob(Lane.STANDARD);
		this.stateMachine.apply(JobEvent.started(id, 4, 1, "w1", at(1)));
		this.stateMachine.apply(JobEvent.succeeded(id, 4, List.of("a.png"), 1, "w1", at(3), 2.0));
		assertThat(field(id, JobFields.RENDER_SECONDS)).isEqualTo("2.0");
		String id2 = queuedJob(Lane.STANDARD);
		this.stateMachine.apply(JobEvent.succeeded(id2, 4, List.of("a.png"), 1, "w1", at(3), 4.0));
		Object mean = this.redis.opsForHash().get(RedisKeys.modelStats("test-model"), "meanRenderSeconds");
		assertThat(Double.parseDouble((String) mean)).isCloseTo(2.4, org.assertj.core.data.Offset.offset(1e-9));
	}

	@Test
	void duplicatedAndLateEventsNeverCorruptAFinishedJob() {
		String id = queuedJob(Lane.STANDARD);
		this.stateMachine.apply(JobEvent.started(id, 4, 1, "w1", at(1)));
		this.stateMachine.apply(JobEvent.succeeded(id, 4, List.of("a.png"), 1, "w1", at(2)));
		Map<Object, Object> finished = this.redis.opsForHash().entries(RedisKeys.job(id));

		assertThat(this.stateMachine.apply(JobEvent.succeeded(id, 4, List.of("b.png"), 2, "w2", at(3))))
			.hasToString("ignored:terminal");
		assertThat(this.stateMachine.apply(JobEvent.progress(id, 4, 4, 1, "w1", at(4)))).hasToString("ignored:terminal");
		assertThat(this.stateMachine.apply(JobEvent.started(id, 4, 2, "w2", at(5)))).hasToString("ignored:terminal");
		assertThat(this.stateMachine.apply(JobEvent.failed(id, "x", "y", 2, "w2", at(6)))).hasToString("ignored:terminal");
		assertThat(this.redis.opsForHash().entries(RedisKeys.job(id))).isEqualTo(finished);
	}

	@Test
	void successThatOvertakesItsStartIsApplied() {
		String id = queuedJob(Lane.BATCH);
		assertThat(this.stateMachine.apply(JobEvent.succeeded(id, 4, List.of("a.png"), 1, "w1", at(2))))
			.hasToString("QUEUED>SUCCEEDED");
		assertThat(this.stateMachine.apply(JobEvent.started(id, 4, 1, "w1", at(1)))).hasToString("ignored:terminal");
		assertThat(field(id, JobFields.STARTED_AT)).isEqualTo(at(2).toString());
	}

	@Test
	void anOlderAttemptCannotTakeBackARunningJob() {
		String id = queuedJob(Lane.STANDARD);
		this.stateMachine.apply(JobEvent.started(id, 4, 2, "w2", at(1)));
		assertThat(this.stateMachine.apply(JobEvent.started(id, 4, 1, "w1", at(2)))).hasToString("ignored:stale-attempt");
		assertThat(this.stateMachine.apply(JobEvent.started(id, 4, 2, "w2", at(2)))).hasToString("ignored:stale-attempt");
		assertThat(this.stateMachine.apply(JobEvent.progress(id, 1, 4, 1, "w1", at(3)))).hasToString("ignored:not-running");
		assertThat(field(id, JobFields.WORKER_ID)).isEqualTo("w2");
	}

	@Test
	void eventsForUnknownJobsAreIgnoredAndCounted() {
		double before = ignored("unknown-job");
		assertThat(this.stateMachine.apply(JobEvent.started(JobIds.next(), 4, 1, "w1", at(1))))
			.hasToString("ignored:unknown-job");
		assertThat(ignored("unknown-job")).isEqualTo(before + 1);
	}

	@Test
	void concurrentShuffledDuplicatesEndInExactlyOneSuccess() throws Exception {
		String id = queuedJob(Lane.STANDARD);
		List<JobEvent> events = new ArrayList<>();
		for (int copy = 0; copy < 5; copy++) {
			events.add(JobEvent.started(id, 10, 1, "w1", at(1)));
			for (int step = 1; step <= 10; step++) {
				events.add(JobEvent.progress(id, step, 10, 1, "w1", at(1 + step)));
			}
			events.add(JobEvent.succeeded(id, 10, List.of("a.png"), 1, "w1", at(20)));
		}
		Collections.shuffle(events, new Random(7));
		List<Future<Transition>> outcomes = new ArrayList<>();
		try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
			for (JobEvent event : events) {
				outcomes.add(pool.submit(() -> this.stateMachine.apply(event)));
			}
		}
		long successes = 0;
		for (Future<Transition> outcome : outcomes) {
			if (outcome.get().movedTo(JobState.SUCCEEDED)) {
				successes++;
			}
		}
		assertThat(successes).isEqualTo(1);
		assertThat(field(id, JobFields.STATE)).isEqualTo("SUCCEEDED");
		assertThat(field(id, JobFields.STEP)).isEqualTo("10");
	}

	@Test
	void aReleasedAttemptPutsTheJobBackInItsLaneAsRetryingAndTheNextAttemptRunsIt() {
		String id = queuedJob(Lane.BATCH);
		double submitted = this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.BATCH), id);
		assertThat(this.stateMachine.apply(JobEvent.started(id, 4, 1, "w1", at(1)))).hasToString("QUEUED>RUNNING");
		assertThat(this.redis.opsForZSet().score(RedisKeys.runningJobs(), id)).isNotNull();
		assertThat(this.stateMachine.apply(JobEvent.released(id, 2, 4, "transient", "GPU reset", 1, "w1", at(2))))
			.hasToString("RUNNING>RETRYING");
		assertThat(field(id, JobFields.STATE)).isEqualTo("RETRYING");
		assertThat(this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.BATCH), id)).isEqualTo(submitted);
		assertThat(this.redis.opsForZSet().score(RedisKeys.runningJobs(), id)).isNull();
		// the released attempt's duplicates change nothing
		assertThat(this.stateMachine.apply(JobEvent.released(id, 2, 4, "transient", "GPU reset", 1, "w1", at(2))))
			.hasToString("ignored:stale-attempt");
		assertThat(this.stateMachine.apply(JobEvent.started(id, 4, 1, "w1", at(1)))).hasToString("ignored:stale-attempt");
		assertThat(this.stateMachine.apply(JobEvent.progress(id, 3, 4, 1, "w1", at(3)))).hasToString("ignored:not-running");
		assertThat(this.stateMachine.apply(JobEvent.started(id, 4, 2, "w2", at(4)))).hasToString("RETRYING>RUNNING");
		assertThat(this.redis.opsForZSet().score(RedisKeys.laneQueued(Lane.BATCH), id)).isNull();
		assertThat(field(id, JobFields.ATTEMPT)).isEqualTo("2");
		assertThat(this.stateMachine.apply(JobEvent.succeeded(id, 4, List.of("a.png"), 2, "w2", at(5))))
			.hasToString("RUNNING>SUCCEEDED");
		assertThat(this.redis.opsForZSet().score(RedisKeys.runningJobs(), id)).isNull();
		List<MapRecord<String, Object, Object>> stream = this.redis.opsForStream()
			.range(RedisKeys.jobEvents(id), Range.unbounded());
		assertThat(stream).extracting((entry) -> entry.getValue().get("state"))
			.containsExactly("RUNNING", "RETRYING", "RUNNING", "SUCCEEDED");
		assertThat(transitions("RUNNING", "RETRYING")).isPositive();
	}

	@Test
	void aTerminalStateSchedulesAWebhookOnlyForJobsWithACallbackUrl() {
		String withCallback = queuedJob(Lane.STANDARD);
		this.redis.opsForHash().put(RedisKeys.job(withCallback), JobFields.CALLBACK_URL, "https://hooks.kiln.invalid/k");
		String without = queuedJob(Lane.STANDARD);
		this.stateMachine.apply(JobEvent.started(withCallback, 4, 1, "w1", at(1)));
		this.stateMachine.apply(JobEvent.started(without, 4, 1, "w1", at(1)));
		assertThat(deliveries(withCallback)).isEmpty();
		this.stateMachine.apply(JobEvent.succeeded(withCallback, 4, List.of("a.png"), 1, "w1", at(2)));
		this.stateMachine.apply(JobEvent.succeeded(without, 4, List.of("a.png"), 1, "w1", at(2)));
		assertThat(deliveries(without)).isEmpty();
		assertThat(deliveries(withCallback)).singleElement()
			.satisfies((delivery) -> assertThat(delivery).containsEntry("event", "job.succeeded")
				.containsEntry("state", "SUCCEEDED")
				.containsEntry("url", "https://hooks.kiln.invalid/k")
				.containsEntry("tenant", "default"));
	}

	@Test
	void startAndProgressWebhooksAreSentOnlyWhenTheJobAskedForThem() {
		String id = queuedJob(Lane.STANDARD);
		this.redis.opsForHash()
			.putAll(RedisKeys.job(id), Map.of(JobFields.CALLBACK_URL, "https://hooks.kiln.invalid/k", "webhookEvents",
					"job.started, job.progress"));
		this.stateMachine.apply(JobEvent.started(id, 4, 1, "w1", at(1)));
		this.stateMachine.apply(JobEvent.progress(id, 1, 4, 1, "w1", at(2)));
		this.stateMachine.apply(JobEvent.progress(id, 1, 4, 1, "w1", at(2)));
		assertThat(deliveries(id)).extracting((delivery) -> delivery.get("event"))
			.containsExactlyInAnyOrder("job.started", "job.progress");
	}

	@Test
	void aCallbackUrlThatBreaksThePolicyAtSendTimeIsRefusedAndRecordedOnTheJob() {
		// this context runs the strict production policy: loopback addresses are refused when the delivery is sent
		String id = queuedJob(Lane.STANDARD);
		this.redis.opsForHash().put(RedisKeys.job(id), JobFields.CALLBACK_URL, "https://localhost/hook");
		this.stateMachine.apply(JobEvent.succeeded(id, 4, List.of("a.png"), 1, "w1", at(2)));
		assertThat(field(id, JobFields.WEBHOOK_STATUS)).isEqualTo("pending");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(field(id, JobFields.WEBHOOK_STATUS)).isEqualTo("refused"));
		assertThat(deliveries(id)).singleElement()
			.satisfies((delivery) -> assertThat((String) delivery.get("lastError")).contains("non-public address"));
	}

	private String queuedJob(Lane lane) {
		String id = JobIds.next();
		Instant submitted = Instant.now();
		this.redis.opsForHash()
			.putAll(RedisKeys.job(id), Map.of(JobFields.STATE, "QUEUED", JobFields.LANE, lane.wireName(),
					JobFields.ATTEMPT, "0", JobFields.TENANT, "default", JobFields.REQUEST,
					this.json.writeValueAsString(new JobMessage(1, id, "default", "test-model", "p", null, 64, 64, 4,
							7.5, 1, 1, lane, submitted, null))));
		this.redis.opsForZSet().add(RedisKeys.laneQueued(lane), id, submitted.toEpochMilli());
		return id;
	}

	private static Instant at(int second) {
		return Instant.parse("2026-11-23T10:00:00Z").plusSeconds(second);
	}

	private String field(String id, String field) {
		return (String) this.redis.opsForHash().get(RedisKeys.job(id), field);
	}

	private List<Map<Object, Object>> deliveries(String jobId) {
		List<Map<Object, Object>> deliveries = new ArrayList<>();
		ScanOptions options = ScanOptions.scanOptions().match(RedisKeys.webhook(jobId + ".*")).build();
		try (Cursor<String> keys = this.redis.scan(options)) {
			keys.forEachRemaining((key) -> deliveries.add(this.redis.opsForHash().entries(key)));
		}
		return deliveries;
	}

	private double transitions(String from, String to) {
		var counter = this.meters.find("kiln.job.transitions").tag("from", from).tag("to", to).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private double ignored(String reason) {
		var counter = this.meters.find("kiln.job.events.ignored").tag("reason", reason).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private void send(JobEvent event) {
		String body = this.json.writeValueAsString(event);
		this.sqs.sendMessage((b) -> b.queueUrl(url(QUEUES.events())).messageBody(body)).join();
	}

	private String url(String queue) {
		return this.sqs.getQueueUrl((b) -> b.queueName(queue)).join().queueUrl();
	}

	private List<Message> receive(String url) {
		return this.sqs.receiveMessage((b) -> b.queueUrl(url).waitTimeSeconds(1)).join().messages();
	}

	private Map<QueueAttributeName, String> attributes(String queue) {
		return this.sqs.getQueueAttributes((b) -> b.queueUrl(url(queue)).attributeNames(QueueAttributeName.ALL))
			.join()
			.attributes();
	}

}
