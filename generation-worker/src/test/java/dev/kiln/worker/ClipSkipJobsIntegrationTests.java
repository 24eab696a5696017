package dev.kiln.worker;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Jobs with a {@code clipSkip} (version 2 messages) through the whole worker (SQS in, S3 and events out) on the SD 1.x
 * stand-ins tools/export-model wrote into {@code kiln.exported-model} (their manifest's {@code max_clip_skip} is 2;
 * {@code render.sd.ClipSkipIntegrationTests} checks the embeddings themselves): a job that skips one layer, batched
 * with one that skips none, succeeds with its PNG; one that asks to skip 3 fails as invalid-request without rendering.
 */
@SpringBootTest(properties = { "kiln.queues.prefix=clipskipjobs", "kiln.storage.bucket=clipskipjobs-images",
		"kiln.worker.id=worker-clip-skip-jobs", "kiln.worker.model-cache=target/test-models-clip-skip-jobs",
		"kiln.worker.models.sd.type=sd-torchscript", "kiln.worker.models.sd.device=cpu",
		"kiln.worker.receive-batch=4" })
class ClipSkipJobsIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("clipskipjobs");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
		String exported = System.getProperty("kiln.exported-model");
		assertThat(exported).as("system property kiln.exported-model (set by the Maven build)").isNotBlank();
		registry.add("kiln.worker.models.sd.location", () -> "file:" + exported + "/model");
		// the listener starts with the context, so its queues must exist first
		try (SqsClient sqs = SqsClient.builder()
			.endpointOverride(SharedEmbeddedStack.get().sqs().endpoint())
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k")))
			.build()) {
			for (Lane lane : Lane.values()) {
				sqs.createQueue((b) -> b.queueName(QUEUES.jobs(lane)));
			}
			sqs.createQueue((b) -> b.queueName(QUEUES.events()));
		}
	}

	@BeforeAll
	static void bucket(@Autowired S3Client s3) {
		s3.createBucket((b) -> b.bucket("clipskipjobs-images"));
	}

	@Autowired
	private SqsAsyncClient sqs;

	@Autowired
	private S3Client s3;

	@Autowired
	private JsonMapper json;

	private final Map<String, List<JobEvent>> seen = new HashMap<>();

	@Test
	void jobsWithClipSkipRenderEndToEndAndOneBeyondTheModelsFails() throws IOException {
		JobMessage skipped = job("oil painting, red apple!", 1);
		JobMessage plain = job("oil painting, red apple!", null);
		JobMessage tooDeep = job("a lighthouse at dusk", 3);
		assertThat(skipped.schemaVersion()).isEqualTo(2);
		send(skipped);
		send(plain);
		send(tooDeep);
		for (JobMessage job : List.of(skipped, plain)) {
			List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED, JobEventType.FAILED);
			JobEvent last = events.get(events.size() - 1);
			assertThat(last.type()).as("clipSkip %s: %s", job.clipSkip(), last).isEqualTo(JobEventType.SUCCEEDED);
			List<String> images = last.outputKeys().stream().filter((key) -> key.endsWith(".png")).toList();
			assertThat(images).hasSize(1);
			BufferedImage image = ImageIO.read(new ByteArrayInputStream(object(images.get(0))));
			assertThat(image.getWidth()).isEqualTo(64);
			assertThat(image.getHeight()).isEqualTo(64);
		}
		List<JobEvent> events = awaitEvents(tooDeep.jobId(), JobEventType.SUCCEEDED, JobEventType.FAILED);
		JobEvent last = events.get(events.size() - 1);
		assertThat(last.type()).isEqualTo(JobEventType.FAILED);
		assertThat(last.errorType()).isEqualTo("invalid-request");
		assertThat(last.errorDetail()).isEqualTo("Model 'sd' skips at most 2 text encoder layers; asked for clipSkip 3");
		assertThat(events).extracting(JobEvent::type).doesNotContain(JobEventType.STARTED);
	}

	private static JobMessage job(String prompt, Integer clipSkip) {
		return new JobMessage(JobMessage.versionFor(null, clipSkip), JobIds.next(), "acme", "sd", prompt, "blurry", 64,
				64, 3, 7.5, 42, 1, Lane.STANDARD, Instant.now(), null, null, null, null, clipSkip);
	}

	private void send(JobMessage job) {
		String body = this.json.writeValueAsString(job);
		this.sqs.sendMessage((b) -> b.queueUrl(url(QUEUES.jobs(job.lane()))).messageBody(body)).join();
	}

	private List<JobEvent> awaitEvents(String jobId, JobEventType... last) {
		await().atMost(Duration.ofSeconds(120)).until(() -> {
			for (Message message : this.sqs
				.receiveMessage((b) -> b.queueUrl(url(QUEUES.events())).maxNumberOfMessages(10).waitTimeSeconds(1))
				.join()
				.messages()) {
				JobEvent event = this.json.readValue(message.body(), JobEvent.class);
				this.seen.computeIfAbsent(event.jobId(), (id) -> new ArrayList<>()).add(event);
				this.sqs.deleteMessage((b) -> b.queueUrl(url(QUEUES.events())).receiptHandle(message.receiptHandle()))
					.join();
			}
			return this.seen.getOrDefault(jobId, List.of())
				.stream()
				.anyMatch((event) -> List.of(last).contains(event.type()));
		});
		return new ArrayList<>(this.seen.get(jobId));
	}

	private byte[] object(String key) {
		return this.s3.getObject((b) -> b.bucket("clipskipjobs-images").key(key), ResponseTransformer.toBytes())
			.asByteArray();
	}

	private String url(String queue) {
		return this.sqs.getQueueUrl((b) -> b.queueName(queue)).join().queueUrl();
	}

}
