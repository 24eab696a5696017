package dev.kiln.worker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.EmbeddedStack;
import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.worker.render.RenderCheckpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real worker processes ({@code java -cp <test class path> GenerationWorkerApplication}) against the embedded stack
 * of this JVM, sent SIGTERM ({@link Process#destroy()}) or SIGKILL ({@link Process#destroyForcibly()}) mid-job.
 */
class WorkerProcessIntegrationTests {

	private static final String PREFIX = "wkproc";

	private static final String BUCKET = "wkproc-images";

	private static final QueueNames QUEUES = new QueueNames(PREFIX);

	private static final JsonMapper JSON = JsonMapper.builder().findAndAddModules().build();

	private static EmbeddedStack stack;

	private static SqsClient sqs;

	private static S3Client s3;

	private static LettuceConnectionFactory redisConnections;

	private static StringRedisTemplate redis;

	private final List<Process> workers = new ArrayList<>();

	private final Map<String, List<JobEvent>> seen = new HashMap<>();

	@BeforeAll
	static void stack() {
		stack = SharedEmbeddedStack.get();
		var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k"));
		sqs = SqsClient.builder()
			.endpointOverride(stack.sqs().endpoint())
			.region(Region.US_EAST_1)
			.credentialsProvider(credentials)
			.build();
		s3 = S3Client.builder()
			.endpointOverride(stack.s3().endpoint())
			.region(Region.US_EAST_1)
			.credentialsProvider(credentials)
			.forcePathStyle(true)
			.build();
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(QUEUES.jobs(lane)));
		}
		sqs.createQueue((b) -> b.queueName(QUEUES.events()));
		s3.createBucket((b) -> b.bucket(BUCKET));
		redisConnections = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", stack.redis().port()));
		redisConnections.afterPropertiesSet();
		redisConnections.start();
		redis = new StringRedisTemplate(redisConnections);
	}

	@AfterAll
	static void close() {
		redisConnections.destroy();
		sqs.close();
		s3.close();
	}

	@AfterEach
	void killWorkers() {
		for (Process worker : this.workers) {
			worker.destroyForcibly();
		}
		for (Lane lane : Lane.values()) {
			sqs.purgeQueue((b) -> b.queueUrl(url(QUEUES.jobs(lane))));
		}
		sqs.purgeQueue((b) -> b.queueUrl(url(QUEUES.events())));
	}

	@Test
	void sigtermMidJobStopsReceivingAtOnceAndFinishesTheRunningJobWithinTheDrainTimeout() throws Exception {
		Process worker = startWorker("proc-finish", Map.of("kiln.worker.drain-timeout", "40s"));
		JobMessage job = job(128, 128, 400);
		send(job);
		awaitEvents(job.jobId(), JobEventType.PROGRESS);

		worker.destroy();
		JobMessage later = job(64, 64, 2);
		send(later);

		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
		assertThat(events).extracting(JobEvent::type).doesNotContain(JobEventType.RELEASED);
		assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("worker exited").isTrue();
		assertThat(log("proc-finish")).contains("Draining: shutting down", "Worker proc-finish takes no more jobs",
				"Worker proc-finish stopped");
		// the finished job's message is gone; the one sent after SIGTERM was never taken
		assertThat(visible(QUEUES.jobs(Lane.STANDARD))).isEqualTo(1);
		assertThat(invisible(QUEUES.jobs(Lane.STANDARD))).isZero();
		assertThat(eventsSoFar(later.jobId())).isEmpty();
		assertThat(redis.hasKey(RedisKeys.worker("proc-finish"))).isFalse();
	}

	@Test
	void withMaxJobsTheWorkerTakesThatManyJobsThenExitsWithStatusZero() throws Exception {
		Process worker = startWorker("proc-max-jobs", Map.of("kiln.worker.max-jobs", "1"));
		JobMessage first = job(64, 64, 2);
		send(first);
		awaitEvents(first.jobId(), JobEventType.SUCCEEDED);
		assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("worker exited").isTrue();
		assertThat(worker.exitValue()).isZero();
		JobMessage second = job(64, 64, 2);
		send(second);
		assertThat(eventsSoFar(second.jobId())).isEmpty();
		assertThat(log("proc-max-jobs")).contains("Draining: took its 1 job(s) (kiln.worker.max-jobs)");
		assertThat(visible(QUEUES.jobs(Lane.STANDARD))).isEqualTo(1);
	}

	@Test
	void withMaxIdleAWorkerThatFindsNoJobExitsWithStatusZero() throws Exception {
		// not startWorker: on a loaded machine the worker may go idle and leave before its first heartbeat is seen
		Process worker = launchWorker("proc-max-idle", Map.of("kiln.worker.max-idle", "3s"));
		assertThat(worker.waitFor(180, TimeUnit.SECONDS)).as("worker exited").isTrue();
		assertThat(worker.exitValue()).isZero();
		assertThat(log("proc-max-idle")).contains("(kiln.worker.max-idle)");
	}

	@Test
	void sigtermMidJobPastTheDrainTimeoutCheckpointsAndHandsTheMessageBack() throws Exception {
		Process worker = startWorker("proc-release",
				Map.of("kiln.worker.drain-timeout", "1s", "kiln.worker.checkpoint-every", "0"));
		JobMessage job = job(256, 256, 1000);
		send(job);
		awaitEvents(job.jobId(), JobEventType.PROGRESS);

		worker.destroy();

		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.RELEASED);
		JobEvent released = events.get(events.size() - 1);
		assertThat(released.errorType()).isEqualTo("worker-draining");
		assertThat(released.step()).isPositive().isLessThan(1000);
		assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("worker exited").isTrue();
		RenderCheckpoint checkpoint = RenderCheckpoint.fromBytes(object(ObjectKeys.checkpoint("acme", job.jobId())));
		assertThat(checkpoint.step()).isEqualTo(released.step());
		assertThat(checkpoint.totalSteps()).isEqualTo(1000);
		// handed back with visibility 0: visible again at once, for the next worker
		List<Message> again = sqs
			.receiveMessage((b) -> b.queueUrl(url(QUEUES.jobs(Lane.STANDARD)))
				.waitTimeSeconds(1)
				.messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
			.messages();
		assertThat(again).singleElement().satisfies((message) -> {
			assertThat(JSON.readValue(message.body(), JobMessage.class).jobId()).isEqualTo(job.jobId());
			assertThat(message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).isEqualTo("2");
		});
	}

	@Test
	void sigkillMidJobLetsASecondWorkerResumeFromTheCheckpointWithOneSetOfOutputs() throws Exception {
		Map<String, String> settings = Map.of("kiln.worker.checkpoint-every", "20");
		Process first = startWorker("proc-killed", settings);
		JobMessage job = job(256, 256, 300);
		send(job);
		await().atMost(Duration.ofSeconds(60)).until(() -> exists(ObjectKeys.checkpoint("acme", job.jobId())));

		first.destroyForcibly();
		assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
		int stepAtKill = RenderCheckpoint.fromBytes(object(ObjectKeys.checkpoint("acme", job.jobId()))).step();
		assertThat(stepAtKill).isGreaterThanOrEqualTo(20);

		startWorker("proc-second", settings);
		List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
		JobEvent succeeded = events.get(events.size() - 1);
		assertThat(succeeded.workerId()).isEqualTo("proc-second");
		assertThat(succeeded.attempt()).isGreaterThanOrEqualTo(2);
		JsonNode metadata = JSON.readTree(object(ObjectKeys.metadata("acme", job.jobId())));
		assertThat(metadata.get("workerId").asString()).isEqualTo("proc-second");
		assertThat(metadata.get("resumedFromStep").asInt()).isGreaterThanOrEqualTo(20);
		assertThat(log("proc-second")).contains("resumes from its checkpoint at step");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
				s3.listObjectsV2((b) -> b.bucket(BUCKET).prefix(ObjectKeys.jobPrefix("acme", job.jobId())))
					.contents()
					.stream()
					.map(S3Object::key)
					.toList())
			.containsExactlyInAnyOrder(ObjectKeys.image("acme", job.jobId(), 0), ObjectKeys.metadata("acme", job.jobId())));
		assertThat(visible(QUEUES.jobs(Lane.STANDARD)) + invisible(QUEUES.jobs(Lane.STANDARD))).isZero();
	}

	@Test
	void aSpotInterruptionNoticeStartsTheSameDrainWhileTheProcessKeepsRunning() throws Exception {
		AtomicReference<String> notice = new AtomicReference<>();
		HttpServer metadata = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		metadata.createContext("/latest/api/token", (exchange) -> respond(exchange, 200, "token"));
		metadata.createContext("/latest/meta-data/spot/instance-action", (exchange) -> {
			String body = notice.get();
			respond(exchange, (body != null) ? 200 : 404, (body != null) ? body : "");
		});
		metadata.start();
		try {
			Process worker = startWorker("proc-spot", Map.of("kiln.worker.drain-timeout", "1s",
					"kiln.worker.spot.enabled", "true", "kiln.worker.spot.metadata-url",
					"http://127.0.0.1:" + metadata.getAddress().getPort(), "kiln.worker.spot.poll-interval", "200ms"));
			JobMessage job = job(256, 256, 1000);
			send(job);
			awaitEvents(job.jobId(), JobEventType.PROGRESS);

			notice.set("{\"action\": \"terminate\", \"time\": \"2026-11-23T05:00:00Z\"}");

			List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.RELEASED);
			assertThat(events.get(events.size() - 1).errorType()).isEqualTo("worker-draining");
			assertThat(exists(ObjectKeys.checkpoint("acme", job.jobId()))).isTrue();
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log("proc-spot"))
				.contains("Draining: EC2 spot interruption notice", "Worker proc-spot takes no more jobs"));
			assertThat(worker.isAlive()).isTrue();
		}
		finally {
			metadata.stop(0);
		}
	}

	private static void respond(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
		exchange.sendResponseHeaders(status, (bytes.length == 0) ? -1 : bytes.length);
		if (bytes.length > 0) {
			exchange.getResponseBody().write(bytes);
		}
		exchange.close();
	}

	private Process startWorker(String id, Map<String, String> extra) throws IOException {
		Process process = launchWorker(id, extra);
		Path log = logFile(id);
		await().atMost(Duration.ofSeconds(90)).until(() -> {
			assertThat(process.isAlive()).as("worker %s is running; see %s", id, log).isTrue();
			return redis.hasKey(RedisKeys.worker(id));
		});
		return process;
	}

	private Process launchWorker(String id, Map<String, String> extra) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		if (Runtime.version().feature() >= 24) {
			command.add("--enable-native-access=ALL-UNNAMED");
			command.add("--sun-misc-unsafe-memory-access=allow");
		}
		command.addAll(List.of("-Xmx1g", "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp",
				System.getProperty("java.class.path"), GenerationWorkerApplication.class.getName()));
		Map<String, String> properties = new HashMap<>(stack.serviceProperties());
		properties.putAll(Map.of("server.port", "0", "kiln.queues.prefix", PREFIX, "kiln.storage.bucket", BUCKET,
				"kiln.worker.id", id, "kiln.worker.model-cache", "target/test-models",
				"kiln.worker.models.kiln-builtin.max-pixels", "65536", "kiln.worker.models.kiln-builtin.max-steps",
				"1000", "kiln.worker.heartbeat-interval", "1s", "kiln.worker.lease-ttl", "3s"));
		properties.put("kiln.worker.visibility-timeout", "4s");
		properties.putAll(extra);
		properties.forEach((name, value) -> command.add("--" + name + "=" + value));
		Path log = logFile(id);
		Files.createDirectories(log.getParent());
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(log.toFile());
		String cache = System.getenv("DJL_CACHE_DIR");
		if (cache != null) {
			builder.environment().put("DJL_CACHE_DIR", cache);
		}
		Process process = builder.start();
		this.workers.add(process);
		return process;
	}

	private static Path logFile(String id) {
		return Path.of("target", "worker-processes", id + ".log");
	}

	private static String log(String id) throws IOException {
		return Files.readString(logFile(id));
	}

	private static JobMessage job(int width, int height, int steps) {
		return new JobMessage(1, JobIds.next(), "acme", "kiln-builtin", "a lighthouse at dusk", null, width, height,
				steps, 7.5, 42, 1, Lane.STANDARD, Instant.now(), null);
	}

	private static void send(JobMessage job) {
		String body = JSON.writeValueAsString(job);
		sqs.sendMessage((b) -> b.queueUrl(url(QUEUES.jobs(job.lane()))).messageBody(body));
	}

	private List<JobEvent> awaitEvents(String jobId, JobEventType last) {
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			readEvents();
			return this.seen.getOrDefault(jobId, List.of()).stream().anyMatch((event) -> event.type() == last);
		});
		return new ArrayList<>(this.seen.get(jobId));
	}

	private List<JobEvent> eventsSoFar(String jobId) {
		readEvents();
		return this.seen.getOrDefault(jobId, List.of());
	}

	private void readEvents() {
		for (Message message : sqs
			.receiveMessage((b) -> b.queueUrl(url(QUEUES.events())).maxNumberOfMessages(10).waitTimeSeconds(1))
			.messages()) {
			JobEvent event = JSON.readValue(message.body(), JobEvent.class);
			this.seen.computeIfAbsent(event.jobId(), (id) -> new ArrayList<>()).add(event);
			sqs.deleteMessage((b) -> b.queueUrl(url(QUEUES.events())).receiptHandle(message.receiptHandle()));
		}
	}

	private static byte[] object(String key) {
		return s3.getObject((b) -> b.bucket(BUCKET).key(key), ResponseTransformer.toBytes()).asByteArray();
	}

	private static boolean exists(String key) {
		try {
			s3.headObject((b) -> b.bucket(BUCKET).key(key));
			return true;
		}
		catch (NoSuchKeyException ex) {
			return false;
		}
		catch (software.amazon.awssdk.services.s3.model.S3Exception ex) {
			if (ex.statusCode() == 404) {
				return false;
			}
			throw ex;
		}
	}

	private static int visible(String queue) {
		return attribute(queue, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
	}

	private static int invisible(String queue) {
		return attribute(queue, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
	}

	private static int attribute(String queue, QueueAttributeName name) {
		return Integer.parseInt(sqs.getQueueAttributes((b) -> b.queueUrl(url(queue)).attributeNames(name))
			.attributes()
			.get(name));
	}

	private static String url(String queue) {
		return sqs.getQueueUrl((b) -> b.queueName(queue)).queueUrl();
	}

}
