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
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stable Diffusion jobs through the whole worker (SQS in, S3 and events out) on the model tools/export-model wrote
 * from its stand-ins (the build exports it before the integration tests, see
 * {@code render.sd.ExportedModelRoundTripIntegrationTests}), with {@code preview-every: 2}: each job gets a preview
 * object and a progress event naming it at every second step, as built-in jobs do.
 */
@SpringBootTest(properties = { "kiln.queues.prefix=sdprev", "kiln.storage.bucket=sdprev-images",
		"kiln.worker.id=worker-sd-previews", "kiln.worker.model-cache=target/test-models-sd-previews",
		"kiln.worker.models.sd.type=sd-torchscript", "kiln.worker.models.sd.device=cpu",
		"kiln.worker.models.sd.scheduler=ddim", "kiln.worker.receive-batch=4", "kiln.worker.preview-every=2" })
class StableDiffusionPreviewsIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("sdprev");

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
		s3.createBucket((b) -> b.bucket("sdprev-images"));
	}

	@Autowired
	private SqsAsyncClient sqs;

	@Autowired
	private S3Client s3;

	@Autowired
	private JsonMapper json;

	private final Map<String, List<JobEvent>> seen = new HashMap<>();

	@Test
	void sdJobsSendAPreviewEverySecondStep() throws IOException {
		JobMessage two = new JobMessage(1, JobIds.next(), "acme", "sd", "a lighthouse at dusk", "blurry", 128, 64, 5,
				7.5, 42, 2, Lane.STANDARD, Instant.now(), null);
		JobMessage one = new JobMessage(1, JobIds.next(), "acme", "sd", "oil painting, red apple!", null, 128, 64, 5,
				7.5, 43, 1, Lane.STANDARD, Instant.now(), null);
		send(two);
		send(one);
		for (JobMessage job : List.of(two, one)) {
			List<JobEvent> events = awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
			List<JobEvent> previews = events.stream()
				.filter((e) -> e.type() == JobEventType.PROGRESS && !e.outputKeys().isEmpty())
				.toList();
			// steps 2 and 4 of 5; none after the last
			assertThat(previews).extracting(JobEvent::step).containsExactly(2, 4);
			for (JobEvent preview : previews) {
				String key = ObjectKeys.preview("acme", job.jobId(), preview.step());
				assertThat(preview.outputKeys()).containsExactly(key);
				BufferedImage image = ImageIO.read(new ByteArrayInputStream(object(key)));
				// 128x64 → the 16x8 latent grid, nearest ×2
				assertThat(image.getWidth()).isEqualTo(32);
				assertThat(image.getHeight()).isEqualTo(16);
			}
		}
	}

	private void send(JobMessage job) {
		String body = this.json.writeValueAsString(job);
		this.sqs.sendMessage((b) -> b.queueUrl(url(QUEUES.jobs(job.lane()))).messageBody(body)).join();
	}

	private List<JobEvent> awaitEvents(String jobId, JobEventType last) {
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
			return this.seen.getOrDefault(jobId, List.of()).stream().anyMatch((event) -> event.type() == last);
		});
		return new ArrayList<>(this.seen.get(jobId));
	}

	private byte[] object(String key) {
		return this.s3.getObject((b) -> b.bucket("sdprev-images").key(key), ResponseTransformer.toBytes())
			.asByteArray();
	}

	private String url(String queue) {
		return this.sqs.getQueueUrl((b) -> b.queueName(queue)).join().queueUrl();
	}

}
