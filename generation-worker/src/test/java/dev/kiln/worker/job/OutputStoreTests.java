package dev.kiln.worker.job;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.Mockito.mock;

class OutputStoreTests {

	private final S3Client s3 = mock();

	private final Set<String> stored = ConcurrentHashMap.newKeySet();

	private final OutputStore outputs = new OutputStore(new JobBucket(this.s3, "kiln-images"),
			JsonMapper.builder().build(), Tracer.NOOP);

	private final JobMessage job = new JobMessage(1, JobIds.next(), "acme", "sd15", "a fox", null, 64, 64, 1, 7.5, 7,
			2, Lane.STANDARD, Instant.now(), null);

	@Test
	void writesEveryObjectAtOnceAndReturnsOnceAllAreStored() {
		// each PUT waits until all three have started: written one after another, the first would wait in vain
		CountDownLatch allStarted = new CountDownLatch(3);
		onPut((key) -> {
			allStarted.countDown();
			if (!await(allStarted)) {
				throw new IllegalStateException("the PUTs did not run at the same time");
			}
			sleep(key.endsWith(".png") ? 50 : 0);
		});
		List<String> keys = this.outputs.write(this.job, List.of(new byte[] { 1 }, new byte[] { 2 }), metadata());
		List<String> expected = List.of(ObjectKeys.image("acme", this.job.jobId(), 0),
				ObjectKeys.image("acme", this.job.jobId(), 1), ObjectKeys.metadata("acme", this.job.jobId()));
		assertThat(keys).containsExactlyElementsOf(expected);
		// the slower image PUTs had finished when write returned
		assertThat(this.stored).containsExactlyInAnyOrderElementsOf(expected);
	}

	@Test
	void aFailedPutFailsTheWriteOnceTheOthersAreDone() {
		String failing = ObjectKeys.image("acme", this.job.jobId(), 0);
		onPut((key) -> {
			if (key.equals(failing)) {
				throw S3Exception.builder().message("SlowDown").statusCode(503).build();
			}
			sleep(50);
		});
		assertThatExceptionOfType(S3Exception.class)
			.isThrownBy(() -> this.outputs.write(this.job, List.of(new byte[] { 1 }, new byte[] { 2 }), metadata()))
			.withMessageContaining("SlowDown");
		assertThat(this.stored).containsExactlyInAnyOrder(ObjectKeys.image("acme", this.job.jobId(), 1),
				ObjectKeys.metadata("acme", this.job.jobId()));
	}

	@SuppressWarnings("unchecked")
	private void onPut(Consumer<String> action) {
		willAnswer((call) -> {
			PutObjectRequest.Builder builder = PutObjectRequest.builder();
			((Consumer<PutObjectRequest.Builder>) call.getArgument(0)).accept(builder);
			String key = builder.build().key();
			action.accept(key);
			this.stored.add(key);
			return PutObjectResponse.builder().build();
		}).given(this.s3).putObject(any(Consumer.class), any(RequestBody.class));
	}

	private RenderMetadata metadata() {
		Instant now = Instant.now();
		return new RenderMetadata(this.job, 7, "sd15", "cpu", "w1", 1, now, now, now, 0.01, 0, 1, null);
	}

	private static boolean await(CountDownLatch latch) {
		try {
			return latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
