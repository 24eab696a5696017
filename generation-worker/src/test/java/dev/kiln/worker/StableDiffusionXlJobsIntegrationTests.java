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

import static org.assertj.core.api.Assertions.assertThat;

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

	private static final String PREFIX = "sdxljobs";

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		WorkerStack.register(registry, PREFIX);
		WorkerStack.exportedModel(registry, "sdxl", "kiln.exported-sdxl");
	}

	@BeforeAll
	static void bucket(@Autowired S3Client s3) {
		WorkerStack.createBucket(s3, PREFIX);
	}

	private final WorkerStack stack;

	StableDiffusionXlJobsIntegrationTests(@Autowired SqsAsyncClient sqs, @Autowired S3Client s3,
			@Autowired JsonMapper json) {
		this.stack = new WorkerStack(PREFIX, sqs, s3, json);
	}

	@Test
	void sdxlJobsRenderEndToEnd() throws IOException {
		String longPrompt = "a red apple on the sea at dusk, ".repeat(11) + "lighthouse";
		JobMessage two = new JobMessage(1, JobIds.next(), "acme", "sdxl", "a lighthouse at dusk", "blurry", 128, 64, 5,
				7.5, 42, 2, Lane.STANDARD, Instant.now(), null);
		JobMessage one = new JobMessage(1, JobIds.next(), "acme", "sdxl", longPrompt, null, 128, 64, 5, 5.0, 43, 1,
				Lane.STANDARD, Instant.now(), null);
		this.stack.send(two);
		this.stack.send(one);
		for (JobMessage job : List.of(two, one)) {
			List<JobEvent> events = this.stack.awaitEvents(job.jobId(), JobEventType.SUCCEEDED, JobEventType.FAILED);
			JobEvent last = events.get(events.size() - 1);
			assertThat(last.type()).as("%s: %s", job.prompt(), last).isEqualTo(JobEventType.SUCCEEDED);
			// images, then the metadata object
			List<String> images = last.outputKeys().stream().filter((key) -> key.endsWith(".png")).toList();
			assertThat(images).hasSize(job.numImages());
			for (String key : images) {
				BufferedImage image = ImageIO.read(new ByteArrayInputStream(this.stack.object(key)));
				assertThat(image.getWidth()).isEqualTo(128);
				assertThat(image.getHeight()).isEqualTo(64);
			}
			List<JobEvent> previews = events.stream()
				.filter((e) -> e.type() == JobEventType.PROGRESS && !e.outputKeys().isEmpty())
				.toList();
			assertThat(previews).extracting(JobEvent::step).containsExactly(2, 4);
		}
	}

}
