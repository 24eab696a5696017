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

	private static final String PREFIX = "clipskipjobs";

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

	ClipSkipJobsIntegrationTests(@Autowired SqsAsyncClient sqs, @Autowired S3Client s3,
			@Autowired JsonMapper json) {
		this.stack = new WorkerStack(PREFIX, sqs, s3, json);
	}

	@Test
	void jobsWithClipSkipRenderEndToEndAndOneBeyondTheModelsFails() throws IOException {
		JobMessage skipped = job("oil painting, red apple!", 1);
		JobMessage plain = job("oil painting, red apple!", null);
		JobMessage tooDeep = job("a lighthouse at dusk", 3);
		assertThat(skipped.schemaVersion()).isEqualTo(2);
		this.stack.send(skipped);
		this.stack.send(plain);
		this.stack.send(tooDeep);
		for (JobMessage job : List.of(skipped, plain)) {
			List<JobEvent> events = this.stack.awaitEvents(job.jobId(), JobEventType.SUCCEEDED, JobEventType.FAILED);
			JobEvent last = events.get(events.size() - 1);
			assertThat(last.type()).as("clipSkip %s: %s", job.clipSkip(), last).isEqualTo(JobEventType.SUCCEEDED);
			List<String> images = last.outputKeys().stream().filter((key) -> key.endsWith(".png")).toList();
			assertThat(images).hasSize(1);
			BufferedImage image = ImageIO.read(new ByteArrayInputStream(this.stack.object(images.get(0))));
			assertThat(image.getWidth()).isEqualTo(64);
			assertThat(image.getHeight()).isEqualTo(64);
		}
		List<JobEvent> events = this.stack.awaitEvents(tooDeep.jobId(), JobEventType.SUCCEEDED, JobEventType.FAILED);
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

}
