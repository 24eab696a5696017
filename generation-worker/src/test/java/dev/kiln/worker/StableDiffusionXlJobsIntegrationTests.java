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
 * SDXL jobs through the whole worker (SQS in, S3 and events out) on the SDXL stand-ins tools/export-model wrote (the
 * build exports them before the integration tests into {@code kiln.exported-sdxl}, see
 * {@code render.sd.ExportedSdxlIntegrationTests}): the model loads (no longer refused), jobs of 2 and 1 images, one
 * with a prompt of 100 tokens (two chunks), succeed with PNGs of the requested size and SDXL previews.
 */
@SpringBootTest(properties = { "kiln.queues.prefix=sdxljobs", "kiln.storage.bucket=sdxljobs-images",
		"kiln.worker.id=worker-sdxl-jobs", "kiln.worker.model-cache=target/test-models-sdxl-jobs",
		"kiln.worker.models.sdxl.type=sd-torchscript", "kiln.worker.models.sdxl.device=cpu",
"kiln.worker.receive-batch=4", "kiln.worker.preview-every=2" })
class StableDiffusionXlJobsIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("sdxljobs");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
		String exported = System.getProperty("kiln.exported-sdxl");
		assertThat(exported).as("system property kiln.exported-sdxl (set by the Maven build)").isNotBlank();
		registry.add("kiln.worker.models.sdxl.location", () -> "file:" + exported + "/model");
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
		s3.createBucket((b) -> b.bucket("sdxljobs-images"));
	}

	@Autowired
	private SqsAsyncClient sqs;

	@Autowired
	private S3Client s3;

	@Autowired
	private JsonMapper json;

	private final Map<String, List<JobEvent>> seen = new HashMap<>();

	@Test
	void sdxlJobsRenderEndToEnd() throws IOException {
		String longPrompt = "a red apple on the sea at dusk, ".repeat(11) + "lighthouse";
		JobMessage two = new JobMessage(1, JobIds.next(), "acme", "sdxl", "a lighthouse at dusk", "blurry", 128, 64, 5,
				7.5, 42, 2, Lane.STANDARD, Instant.now(), null);
		JobMessage one = new JobMessage(1, JobIds.next(), "acme", "sdxl", longPrompt, null, 128, 64, 5, 5.0, 43, 1,
				Lane.STANDARD, Instant.now(), null);
		send(two);
		send(one);
		for (JobMessage job : List.of(two, one)) {
			List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED, JobEventType.FAILED);
			JobEvent last = events.get(events.size() - 1);
			assertThat(last.type()).as("%s: %s", job.prompt(), last).isEqualTo(JobEventType.SUCCEEDED);
			// images, then the metadata object
			List<String> images = last.outputKeys().stream().filter((key) -> key.endsWith(".png")).toList();
			assertThat(images).hasSize(job.numImages());
			for (String key : images) {
				BufferedImage image = ImageIO.read(new ByteArrayInputStream(object(key)));
				assertThat(image.getWidth()).isEqualTo(128);
				assertThat(image.getHeight()).isEqualTo(64);
			}
			List<JobEvent> previews = events.stream()
				.filter((e) -> e.type() == JobEventType.PROGRESS && !e.outputKeys().isEmpty())
				.toList();
			assertThat(previews).extracting(JobEvent::step).containsExactly(2, 4);
		}
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
		return this.s3.getObject((b) -> b.bucket("sdxljobs-images").key(key), ResponseTransformer.toBytes())
			.asByteArray();
	}

	private String url(String queue) {
		return this.sqs.getQueueUrl((b) -> b.queueName(queue)).join().queueUrl();
	}

}
