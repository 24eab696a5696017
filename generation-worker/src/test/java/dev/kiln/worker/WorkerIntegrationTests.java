package dev.kiln.worker;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ModelInfo;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.contract.WorkerHeartbeat;
import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.RenderedImageAssertions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The worker against real SQS and S3 protocols, rendering with the built-in DJL model. */
@SpringBootTest(properties = { "kiln.queues.prefix=wktest", "kiln.storage.bucket=wktest-images",
		"kiln.worker.id=worker-it", "kiln.worker.model-cache=target/test-models",
		"kiln.worker.models.kiln-builtin.max-pixels=65536", "kiln.worker.models.kiln-builtin.max-steps=1000",
		"kiln.worker.receive-batch=4", "kiln.worker.heartbeat-interval=1s", "kiln.worker.lease-ttl=3s",
		"kiln.worker.visibility-timeout=5s", "kiln.worker.retry-backoff=60s", "kiln.worker.preview-every=2",
		"kiln.worker.checkpoint-every=50", "kiln.worker.batching.cpu=true" })
class WorkerIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("wktest");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		WorkerStack.register(registry, "wktest");
	}

	@Autowired
	private SqsAsyncClient sqs;

	@Autowired
	private S3Client s3;

	@Autowired
	private JsonMapper json;

	@BeforeAll
	static void bucket(@Autowired S3Client s3) {
		s3.createBucket((b) -> b.bucket("wktest-images"));
	}

	@Autowired
	private StringRedisTemplate redis;

	private final Map<String, List<JobEvent>> seen = new java.util.HashMap<>();

	@Autowired
	private MeterRegistry meters;

	@BeforeEach
	void drainEvents() {
		this.sqs.purgeQueue((b) -> b.queueUrl(url(QUEUES.events()))).join();
	}

	@AfterEach
	void emptyJobQueues() {
		for (Lane lane : Lane.values()) {
			this.sqs.purgeQueue((b) -> b.queueUrl(url(QUEUES.jobs(lane)))).join();
		}
	}

	@Test
	void rendersAJobIntoPngAndMetadataThenReportsAndDeletesIt() throws IOException {
		JobMessage job = job("kiln-builtin", 96, 64, 2);
		send(job);

		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
		assertThat(events.get(0).type()).isEqualTo(JobEventType.STARTED);
		assertThat(events.get(0).attempt()).isEqualTo(1);
		assertThat(events.get(0).workerId()).isEqualTo("worker-it");
		JobEvent succeeded = events.get(events.size() - 1);
		assertThat(succeeded.outputKeys()).containsExactly(ObjectKeys.image("acme", job.jobId(), 0),
				ObjectKeys.image("acme", job.jobId(), 1), ObjectKeys.metadata("acme", job.jobId()));

		for (int i = 0; i < 2; i++) {
			BufferedImage image = ImageIO.read(new ByteArrayInputStream(object(ObjectKeys.image("acme", job.jobId(), i))));
			assertThat(image.getWidth()).isEqualTo(96);
			assertThat(image.getHeight()).isEqualTo(64);
		}
		JsonNode metadata = this.json.readTree(object(ObjectKeys.metadata("acme", job.jobId())));
		assertThat(metadata.get("request").get("prompt").asString()).isEqualTo("a lighthouse at dusk");
		assertThat(metadata.get("seed").asLong()).isEqualTo(42);
		assertThat(metadata.get("model").asString()).isEqualTo("kiln-builtin");
		assertThat(metadata.get("device").asString()).isEqualTo("cpu()");
		assertThat(metadata.get("workerId").asString()).isEqualTo("worker-it");
		assertThat(metadata.get("renderSeconds").asDouble()).isPositive();
		assertThat(metadata.get("resumedFromStep").asInt()).isZero();
		assertThat(this.meters.get("kiln.worker.render").tag("model", "kiln-builtin").tag("device", "cpu()").timer()
			.count()).isPositive();
		assertThat(this.meters.get("kiln.worker.queue.wait").tag("lane", "standard").timer().count()).isPositive();
		assertThat(this.meters.get("kiln.worker.jobs").tag("model", "kiln-builtin").tag("outcome", "succeeded")
			.counter().count()).isPositive();

		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(inQueue(QUEUES.jobs(Lane.STANDARD))).isZero());
	}

	@Test
	void aJobForAModelThisWorkerDoesNotServeFailsAtOnceAndIsDeleted() {
		JobMessage job = job("sd-unknown", 64, 64, 1);
		send(job);
		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.FAILED);
		JobEvent failed = events.get(events.size() - 1);
		assertThat(failed.errorType()).isEqualTo("unknown-model");
		assertThat(failed.errorDetail()).contains("sd-unknown", "kiln-builtin");
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(inQueue(QUEUES.jobs(Lane.STANDARD))).isZero());
	}

	@Test
	void aJobLargerThanTheModelAllowsFailsWithTheLimit() {
		JobMessage job = job("kiln-builtin", 512, 512, 1);
		send(job);
		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.FAILED);
		JobEvent failed = events.get(events.size() - 1);
		assertThat(failed.errorType()).isEqualTo("invalid-request");
		assertThat(failed.errorDetail()).contains("65536 pixels");
	}

	@Test
	void publishesAHeartbeatNamingItsModelsAndLimits() {
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			String document = this.redis.opsForValue().get(RedisKeys.worker("worker-it"));
			assertThat(document).isNotNull();
			WorkerHeartbeat heartbeat = this.json.readValue(document, WorkerHeartbeat.class);
			assertThat(heartbeat.workerId()).isEqualTo("worker-it");
			assertThat(heartbeat.device()).isEqualTo("cpu()");
			assertThat(heartbeat.models()).containsExactly(new ModelInfo("kiln-builtin", "builtin", 65536, 1000, 8, null,
					List.of(), null, List.of(), ServedModel.Limits.BUILTIN_DESCRIPTION));
			assertThat(this.redis.getExpire(RedisKeys.worker("worker-it"))).isBetween(1L, 3L);
			assertThat(this.redis.opsForZSet().score(RedisKeys.workers(), "worker-it")).isNotNull();
		});
		assertThat(this.meters.get("kiln.worker.busy").gauge()).isNotNull();
	}

	@Test
	void dropsADeliveryOfAJobThatAlreadyFinishedWithoutRenderingIt() {
		JobMessage job = job("kiln-builtin", 64, 64, 1);
		record(job, Map.of(JobFields.STATE, "SUCCEEDED"));
		double before = outcomes("duplicate");
		send(job);
		await().atMost(Duration.ofSeconds(20)).until(() -> outcomes("duplicate") > before);
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(inQueue(QUEUES.jobs(Lane.STANDARD))).isZero());
		assertThat(eventsSoFar(job.jobId())).isEmpty();
	}

	@Test
	void leavesADeliveryOfAJobLeasedByALiveWorkerInvisibleWithoutRenderingIt() {
		JobMessage job = job("kiln-builtin", 64, 64, 1);
		record(job, Map.of(JobFields.STATE, "RUNNING"));
		this.redis.opsForValue().set(RedisKeys.worker("other-worker"), "{}", Duration.ofMinutes(1));
		this.redis.opsForValue().set(RedisKeys.jobLease(job.jobId()), "other-worker", Duration.ofMinutes(1));
		double before = outcomes("duplicate");
		send(job);
		await().atMost(Duration.ofSeconds(20)).until(() -> outcomes("duplicate") > before);
		assertThat(eventsSoFar(job.jobId())).isEmpty();
		assertThat(inQueue(QUEUES.jobs(Lane.STANDARD))).isEqualTo(1);
		assertThat(this.redis.opsForValue().get(RedisKeys.jobLease(job.jobId()))).isEqualTo("other-worker");
	}

	@Test
	void takesOverTheLeaseOfAWorkerWhoseHeartbeatExpired() {
		JobMessage job = job("kiln-builtin", 64, 64, 1);
		record(job, Map.of(JobFields.STATE, "RUNNING"));
		this.redis.opsForValue().set(RedisKeys.jobLease(job.jobId()), "dead-worker", Duration.ofMinutes(1));
		send(job);
		awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.redis.hasKey(RedisKeys.jobLease(job.jobId()))).isFalse());
	}

	@Test
	void aJobCancelledWhileQueuedEndsCancelledWithoutRendering() {
		JobMessage job = job("kiln-builtin", 64, 64, 1);
		record(job, Map.of(JobFields.STATE, "QUEUED", JobFields.CANCEL_REQUESTED, "true"));
		send(job);
		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.CANCELLED);
		assertThat(events).extracting(JobEvent::type).containsExactly(JobEventType.CANCELLED);
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(inQueue(QUEUES.jobs(Lane.STANDARD))).isZero());
	}

	@Test
	void aJobCancelledWhileRenderingStopsBetweenStepsAndEndsCancelled() {
		JobMessage job = slowJob();
		record(job, Map.of(JobFields.STATE, "QUEUED"));
		send(job);
		awaitEvents(job.jobId(), JobEventType.PROGRESS);
		this.redis.opsForHash().put(RedisKeys.job(job.jobId()), JobFields.CANCEL_REQUESTED, "true");
		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.CANCELLED);
		assertThat(events).extracting(JobEvent::type).doesNotContain(JobEventType.SUCCEEDED);
		JobEvent lastProgress = events.stream().filter((e) -> e.type() == JobEventType.PROGRESS).reduce((a, b) -> b)
			.orElseThrow();
		assertThat(lastProgress.step()).isLessThan(job.steps());
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(inQueue(QUEUES.jobs(Lane.STANDARD))).isZero());
		assertThat(this.s3.listObjectsV2((b) -> b.bucket("wktest-images").prefix(ObjectKeys.image("acme", job.jobId(), 0)))
			.contents()).isEmpty();
	}

	@Test
	void aTransientFaultReleasesTheJobAndKeepsItsMessageAwayForTheBackoff() {
		JobMessage job = slowJob();
		record(job, Map.of(JobFields.STATE, "QUEUED"));
		double before = outcomes("retried");
		send(job);
		awaitEvents(job.jobId(), JobEventType.PROGRESS);
		// The job record turns into a string: the worker's next Redis read of it fails (WRONGTYPE), a transient fault
		this.redis.delete(RedisKeys.job(job.jobId()));
		this.redis.opsForValue().set(RedisKeys.job(job.jobId()), "not a hash");
		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.RELEASED);
		JobEvent released = events.get(events.size() - 1);
		assertThat(released.errorType()).isEqualTo("transient");
		assertThat(released.step()).isPositive();
		assertThat(outcomes("retried")).isEqualTo(before + 1);
		this.redis.delete(RedisKeys.job(job.jobId()));
		// with a 60 s backoff the message stays invisible: a receive now gets nothing, the message is still there
		assertThat(this.sqs.receiveMessage((b) -> b.queueUrl(url(QUEUES.jobs(Lane.STANDARD))).waitTimeSeconds(1))
			.join()
			.messages()).isEmpty();
		assertThat(inQueue(QUEUES.jobs(Lane.STANDARD))).isEqualTo(1);
	}

	@Test
	void sendsLowResolutionPreviewsWithProgress() throws IOException {
		JobMessage job = new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "a lighthouse at dusk", null, 128,
				64, 5, 7.5, 42, 1, Lane.STANDARD, Instant.now(), null);
		send(job);
		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
		List<JobEvent> previews = events.stream()
			.filter((e) -> e.type() == JobEventType.PROGRESS && !e.outputKeys().isEmpty())
			.toList();
		assertThat(previews).extracting(JobEvent::step).containsExactly(2, 4);
		assertThat(previews.get(0).outputKeys()).containsExactly(ObjectKeys.preview("acme", job.jobId(), 2));
		BufferedImage preview = ImageIO.read(new ByteArrayInputStream(object(ObjectKeys.preview("acme", job.jobId(), 2))));
		assertThat(preview.getWidth()).isEqualTo(32);
		assertThat(preview.getHeight()).isEqualTo(16);
	}

	@Test
	void compatibleJobsReceivedTogetherRenderInOnePassAndMatchUnbatchedRenders() {
		JobMessage blocker = new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "a blocker", null, 128, 128, 300,
				7.5, 42, 1, Lane.STANDARD, Instant.now(), null);
		send(blocker);
		awaitEvents(blocker.jobId(), JobEventType.STARTED);
		// while the worker renders, two compatible jobs and an incompatible one queue up and are received together
		JobMessage fox = job("kiln-builtin", 96, 64, 1, "a red fox in the snow", 7);
		JobMessage city = job("kiln-builtin", 96, 64, 2, "neon city skyline at night", 8);
		JobMessage square = job("kiln-builtin", 64, 64, 1, "a square", 9);
		send(fox);
		send(city);
		send(square);
		awaitEvents(fox.jobId(), JobEventType.SUCCEEDED);
		awaitEvents(city.jobId(), JobEventType.SUCCEEDED);
		awaitEvents(square.jobId(), JobEventType.SUCCEEDED);
		assertThat(this.json.readTree(object(ObjectKeys.metadata("acme", fox.jobId()))).get("batchSize").asInt())
			.isEqualTo(2);
		assertThat(this.json.readTree(object(ObjectKeys.metadata("acme", city.jobId()))).get("batchSize").asInt())
			.isEqualTo(2);
		assertThat(this.json.readTree(object(ObjectKeys.metadata("acme", square.jobId()))).get("batchSize").asInt())
			.isEqualTo(1);

		JobMessage foxAlone = job("kiln-builtin", 96, 64, 1, "a red fox in the snow", 7);
		send(foxAlone);
		awaitEvents(foxAlone.jobId(), JobEventType.SUCCEEDED);
		assertThat(this.json.readTree(object(ObjectKeys.metadata("acme", foxAlone.jobId()))).get("batchSize").asInt())
			.isEqualTo(1);
		// rendered in one pass with the city vs alone: another computation, so the same image within rounding
		// (RenderedImageAssertions says what is promised), not the same bytes
		RenderedImageAssertions.assertSameRender("fox batched with the city vs alone",
				object(ObjectKeys.image("acme", fox.jobId(), 0)), object(ObjectKeys.image("acme", foxAlone.jobId(), 0)));
	}

	@Test
	void aBacklogOfCompatibleJobsRendersInFewerPassesWithEachJobsOwnResults() {
		DistributionSummary sizes = this.meters.get("kiln.worker.batch.size").tag("model", "kiln-builtin").summary();
		long passesBefore = sizes.count();
		double imagesBefore = sizes.totalAmount();
		JobMessage blocker = new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "a blocker", null, 128, 128, 300,
				7.5, 42, 1, Lane.STANDARD, Instant.now(), null);
		send(blocker);
		awaitEvents(blocker.jobId(), JobEventType.STARTED);
		// a backlog builds while the worker renders: 8 compatible jobs (max-batch 8), one receive brings several, the
		// worker fills the pass from the lane
		List<JobMessage> backlog = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			JobMessage job = job("kiln-builtin", 96, 64, 1, "backlog job " + i, 100 + i);
			send(job);
			backlog.add(job);
		}
		List<Integer> batchSizes = new ArrayList<>();
		for (JobMessage job : backlog) {
			JobEvent succeeded = last(awaitEvents(job.jobId(), JobEventType.SUCCEEDED));
			assertThat(succeeded.outputKeys()).as("each job's own outputs").containsExactly(
					ObjectKeys.image("acme", job.jobId(), 0), ObjectKeys.metadata("acme", job.jobId()));
			JsonNode metadata = this.json.readTree(object(ObjectKeys.metadata("acme", job.jobId())));
			assertThat(metadata.get("request").get("prompt").asString()).isEqualTo(job.prompt());
			batchSizes.add(metadata.get("batchSize").asInt());
		}
		long passes = sizes.count() - passesBefore - 1; // less the blocker's pass
		assertThat(sizes.totalAmount() - imagesBefore - 1).as("images of the backlog's passes").isEqualTo(8);
		assertThat(passes).as("passes for 8 jobs; batch sizes %s", batchSizes).isBetween(1L, 4L);
		assertThat(batchSizes).allMatch((size) -> size > 1);
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(inQueue(QUEUES.jobs(Lane.STANDARD))).isZero());
	}

	@Test
	void aRequestTheModelRefusesFailsAloneWhileTheRestOfItsBatchRenders() {
		JobMessage blocker = new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "a blocker", null, 128, 128, 300,
				7.5, 42, 1, Lane.STANDARD, Instant.now(), null);
		send(blocker);
		awaitEvents(blocker.jobId(), JobEventType.STARTED);
		List<JobMessage> good = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			good.add(job("kiln-builtin", 96, 64, 1, "good job " + i, 200 + i));
		}
		// the gateway would refuse it; here it reaches the worker and the model refuses it (BuiltinGenerator.validate)
		JobMessage bad = new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "bad guidance", null, 96, 64, 3,
				-1.0, 7, 1, Lane.STANDARD, Instant.now(), null);
		send(good.get(0));
		send(bad);
		send(good.get(1));
		send(good.get(2));

		JobEvent failed = last(awaitEvents(bad.jobId(), JobEventType.FAILED));
		assertThat(failed.errorType()).isEqualTo("invalid-request");
		assertThat(failed.errorDetail()).contains("guidanceScale");
		for (JobMessage job : good) {
			List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
			assertThat(events).extracting(JobEvent::type).doesNotContain(JobEventType.FAILED);
			assertThat(object(ObjectKeys.image("acme", job.jobId(), 0))).isNotEmpty();
		}
		assertThat(eventsSoFar(bad.jobId())).extracting(JobEvent::type).doesNotContain(JobEventType.SUCCEEDED);
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(inQueue(QUEUES.jobs(Lane.STANDARD))).isZero());
	}

	@Test
	void anInteractiveJobIsTakenBeforeAStandardJobThatWaitedLonger() {
		JobMessage blocker = new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "a blocker", null, 128, 128, 300,
				7.5, 42, 1, Lane.STANDARD, Instant.now(), null);
		send(blocker);
		awaitEvents(blocker.jobId(), JobEventType.STARTED);
		JobMessage standard = job("kiln-builtin", 64, 64, 1);
		JobMessage interactive = new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "now please", null, 64, 64,
				3, 7.5, 1, 1, Lane.INTERACTIVE, Instant.now(), null);
		send(standard);
		send(interactive);
		awaitEvents(blocker.jobId(), JobEventType.SUCCEEDED);
		JobEvent standardStarted = started(awaitEvents(standard.jobId(), JobEventType.SUCCEEDED));
		JobEvent interactiveStarted = started(awaitEvents(interactive.jobId(), JobEventType.SUCCEEDED));
		assertThat(interactiveStarted.timestamp()).isBefore(standardStarted.timestamp());
	}

	@Test
	void anIdleWorkerListensOnEveryLaneAtOnceAndTakesWhatArrivesOnAny() throws InterruptedException {
		// idle: every lane is empty, so the worker is in its long polls on all three lanes
		Thread.sleep(1500); // being idle is the point here, and no signal shows the long polls are out, so sleep
		List<JobMessage> jobs = new java.util.ArrayList<>();
		for (Lane lane : List.of(Lane.BATCH, Lane.INTERACTIVE, Lane.STANDARD)) {
			JobMessage job = new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "lane " + lane.wireName(), null,
					64, 64, 2, 7.5, 1, 1, lane, Instant.now(), null);
			send(job);
			jobs.add(job);
		}
		for (JobMessage job : jobs) {
			assertThat(awaitEvents(job.jobId(), JobEventType.SUCCEEDED)).extracting(JobEvent::attempt).contains(1);
		}
		for (Lane lane : Lane.values()) {
			assertThat(this.sqs
				.getQueueAttributes((request) -> request.queueUrl(url(QUEUES.jobs(lane)))
					.attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
							QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
				.join()
				.attributes()
				.values()).as("messages left in the %s lane", lane.wireName()).containsOnly("0");
		}
	}

	private static JobEvent last(List<JobEvent> events) {
		return events.get(events.size() - 1);
	}

	private static JobEvent started(List<JobEvent> events) {
		return events.stream().filter((e) -> e.type() == JobEventType.STARTED).findFirst().orElseThrow();
	}

	private JobMessage slowJob() {
		return new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "a slow lighthouse", null, 256, 256, 1000, 7.5,
				42, 1, Lane.STANDARD, Instant.now(), null);
	}

	private void record(JobMessage job, Map<String, String> fields) {
		this.redis.opsForHash().putAll(RedisKeys.job(job.jobId()), fields);
		this.redis.expire(RedisKeys.job(job.jobId()), Duration.ofMinutes(10));
	}

	private double outcomes(String outcome) {
		return this.meters.find("kiln.worker.jobs").tag("outcome", outcome).counters().stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	private JobMessage job(String model, int width, int height, int images) {
		return job(model, width, height, images, "a lighthouse at dusk", 42);
	}

	private JobMessage job(String model, int width, int height, int images, String prompt, long seed) {
		return new JobMessage(1, JobIds.next(), "acme", model, prompt, null, width, height, 3, 7.5, seed, images,
				Lane.STANDARD, Instant.now(), null);
	}

	private void send(JobMessage job) {
		String body = this.json.writeValueAsString(job);
		this.sqs.sendMessage((b) -> b.queueUrl(url(QUEUES.jobs(job.lane()))).messageBody(body)).join();
	}

	/** Every event of the job seen so far, once one of type {@code last} is among them. */
	private List<JobEvent> awaitEvents(String jobId, JobEventType last) {
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			readEvents();
			return this.seen.getOrDefault(jobId, List.of()).stream().anyMatch((event) -> event.type() == last);
		});
		return new ArrayList<>(this.seen.get(jobId));
	}

	private List<JobEvent> eventsSoFar(String jobId) {
		readEvents();
		return new ArrayList<>(this.seen.getOrDefault(jobId, List.of()));
	}

	private void readEvents() {
		for (Message message : this.sqs
			.receiveMessage((b) -> b.queueUrl(url(QUEUES.events())).maxNumberOfMessages(10).waitTimeSeconds(1))
			.join()
			.messages()) {
			JobEvent event = this.json.readValue(message.body(), JobEvent.class);
			this.seen.computeIfAbsent(event.jobId(), (id) -> new ArrayList<>()).add(event);
			this.sqs.deleteMessage((b) -> b.queueUrl(url(QUEUES.events())).receiptHandle(message.receiptHandle()))
				.join();
		}
	}

	private byte[] object(String key) {
		return this.s3.getObject((b) -> b.bucket("wktest-images").key(key), ResponseTransformer.toBytes()).asByteArray();
	}

	private int inQueue(String queue) {
		Map<QueueAttributeName, String> attributes = this.sqs
			.getQueueAttributes((b) -> b.queueUrl(url(queue))
				.attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
						QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
			.join()
			.attributes();
		return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
				+ Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
	}

	private String url(String queue) {
		return this.sqs.getQueueUrl((b) -> b.queueName(queue)).join().queueUrl();
	}

}
