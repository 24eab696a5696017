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

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
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
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The worker against real SQS and S3 protocols, rendering with the built-in DJL model. */
@SpringBootTest(properties = { "kiln.queues.prefix=wktest", "kiln.storage.bucket=wktest-images",
		"kiln.worker.id=worker-it", "kiln.worker.model-cache=target/test-models",
		"kiln.worker.models.kiln-builtin.max-pixels=65536" })
class WorkerIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("wktest");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
		// The listener starts with the context, so its queues must exist first.
		try (var sqs = software.amazon.awssdk.services.sqs.SqsClient.builder()
			.endpointOverride(SharedEmbeddedStack.get().sqs().endpoint())
			.region(software.amazon.awssdk.regions.Region.US_EAST_1)
			.credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider
				.create(software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("k", "k")))
			.build()) {
			for (Lane lane : Lane.values()) {
				sqs.createQueue((b) -> b.queueName(QUEUES.jobs(lane)));
			}
			sqs.createQueue((b) -> b.queueName(QUEUES.events()));
		}
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

	@BeforeEach
	void drainEvents() {
		this.sqs.purgeQueue((b) -> b.queueUrl(url(QUEUES.events()))).join();
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

	private JobMessage job(String model, int width, int height, int images) {
		return new JobMessage(1, JobIds.next(), "acme", model, "a lighthouse at dusk", null, width, height, 3, 7.5, 42,
				images, Lane.STANDARD, Instant.now(), null);
	}

	private void send(JobMessage job) {
		String body = this.json.writeValueAsString(job);
		this.sqs.sendMessage((b) -> b.queueUrl(url(QUEUES.jobs(job.lane()))).messageBody(body)).join();
	}

	private List<JobEvent> awaitEvents(String jobId, JobEventType last) {
		List<JobEvent> events = new ArrayList<>();
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			for (Message message : this.sqs
				.receiveMessage((b) -> b.queueUrl(url(QUEUES.events())).maxNumberOfMessages(10).waitTimeSeconds(1))
				.join()
				.messages()) {
				JobEvent event = this.json.readValue(message.body(), JobEvent.class);
				if (event.jobId().equals(jobId)) {
					events.add(event);
				}
				this.sqs.deleteMessage((b) -> b.queueUrl(url(QUEUES.events())).receiptHandle(message.receiptHandle()))
					.join();
			}
			return events.stream().anyMatch((event) -> event.type() == last);
		});
		return events;
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
