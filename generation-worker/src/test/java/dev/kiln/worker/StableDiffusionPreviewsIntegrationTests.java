package dev.kiln.worker;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;

import static org.assertj.core.api.Assertions.assertThat;

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

	private static final String PREFIX = "sdprev";

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		WorkerStack.register(registry, PREFIX);
		WorkerStack.exportedModel(registry, "sd", "kiln.exported-model");
	}

	@BeforeAll
	static void bucket(@Autowired S3Client s3) {
		WorkerStack.createBucket(s3, PREFIX);
	}

	private final WorkerStack stack;

	StableDiffusionPreviewsIntegrationTests(@Autowired SqsAsyncClient sqs, @Autowired S3Client s3,
			@Autowired JsonMapper json) {
		this.stack = new WorkerStack(PREFIX, sqs, s3, json);
	}

	@Test
	void sdJobsSendAPreviewEverySecondStep() throws IOException {
		JobMessage two = new JobMessage(1, JobIds.next(), "acme", "sd", "a lighthouse at dusk", "blurry", 128, 64, 5,
				7.5, 42, 2, Lane.STANDARD, Instant.now(), null);
		JobMessage one = new JobMessage(1, JobIds.next(), "acme", "sd", "oil painting, red apple!", null, 128, 64, 5,
				7.5, 43, 1, Lane.STANDARD, Instant.now(), null);
		this.stack.send(two);
		this.stack.send(one);
		for (JobMessage job : List.of(two, one)) {
			List<JobEvent> events = this.stack.awaitEvents(job.jobId(), JobEventType.SUCCEEDED);
			List<JobEvent> previews = events.stream()
				.filter((e) -> e.type() == JobEventType.PROGRESS && !e.outputKeys().isEmpty())
				.toList();
			// steps 2 and 4 of 5; none after the last
			assertThat(previews).extracting(JobEvent::step).containsExactly(2, 4);
			for (JobEvent preview : previews) {
				String key = ObjectKeys.preview("acme", job.jobId(), preview.step());
				assertThat(preview.outputKeys()).containsExactly(key);
				BufferedImage image = ImageIO.read(new ByteArrayInputStream(this.stack.object(key)));
				// 128x64 → the 16x8 latent grid, nearest ×2
				assertThat(image.getWidth()).isEqualTo(32);
				assertThat(image.getHeight()).isEqualTo(16);
			}
		}
	}

}
