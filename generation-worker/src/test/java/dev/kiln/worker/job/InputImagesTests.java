package dev.kiln.worker.job;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.mockito.ArgumentMatchers;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.support.config.SharedProperties;
import dev.kiln.worker.render.InitImage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

class InputImagesTests {

	private final S3Client s3 = mock();

	private final InputImages inputs = new InputImages(new JobBucket(this.s3, shared()));

	@Test
	void readsTheTenantsInputFromTheWorkersBucketWithTheJobsStrength() throws IOException {
		JobMessage job = job("in-1", 64, 64);
		stored(png(64, 64), "kiln-test", ObjectKeys.input("acme", "in-1"));

		InitImage image = this.inputs.read(job);

		assertThat(image).isNotNull();
		assertThat(image.width()).isEqualTo(64);
		assertThat(image.strength()).isEqualTo(0.3);
		// 0x20 red: 32 / 255 · 2 − 1
		assertThat(image.pixels()[0]).isEqualTo(32 / 255f * 2 - 1);
	}

	@Test
	void aJobWithoutInitImageReadsNothing() {
		JobMessage plain = new JobMessage(1, JobIds.next(), "acme", "sd15", "p", null, 64, 64, 10, 7.5, 1, 1,
				Lane.STANDARD, Instant.now(), null);
		assertThat(this.inputs.read(plain)).isNull();
	}

	@Test
	void aMissingInputFailsTheJobForGood() {
		given(this.s3.getObject(ArgumentMatchers.<Consumer<GetObjectRequest.Builder>>any(),
				ArgumentMatchers.<ResponseTransformer<GetObjectResponse, ResponseBytes<GetObjectResponse>>>any()))
			.willThrow(NoSuchKeyException.builder().message("gone").build());
		assertThatExceptionOfType(PermanentJobFailure.class).isThrownBy(() -> this.inputs.read(job("in-1", 64, 64)))
			.withMessageContaining("does not exist")
			.satisfies((ex) -> assertThat(ex.errorType()).isEqualTo("invalid-request"));
	}

	@Test
	void anInputOfAnotherSizeThanTheJobFailsItForGood() throws IOException {
		stored(png(128, 64), "kiln-test", ObjectKeys.input("acme", "in-2"));
		assertThatExceptionOfType(PermanentJobFailure.class).isThrownBy(() -> this.inputs.read(job("in-2", 64, 64)))
			.withMessageContaining("is 128x64 but the job renders 64x64");
	}

	/** Answers a GetObject of exactly that bucket and key with the bytes; any other key is missing. */
	private void stored(byte[] bytes, String bucket, String key) {
		given(this.s3.getObject(ArgumentMatchers.<Consumer<GetObjectRequest.Builder>>any(),
				ArgumentMatchers.<ResponseTransformer<GetObjectResponse, ResponseBytes<GetObjectResponse>>>any()))
			.willAnswer((call) -> {
				Consumer<GetObjectRequest.Builder> consumer = call.getArgument(0);
				GetObjectRequest.Builder builder = GetObjectRequest.builder();
				consumer.accept(builder);
				GetObjectRequest request = builder.build();
				if (!request.bucket().equals(bucket) || !request.key().equals(key)) {
					throw NoSuchKeyException.builder().message(request.key()).build();
				}
				return ResponseBytes.fromByteArray(GetObjectResponse.builder().build(), bytes);
			});
	}

	private static JobMessage job(String input, int width, int height) {
		return new JobMessage(2, JobIds.next(), "acme", "sd15", "p", null, width, height, 10, 7.5, 1, 1, Lane.STANDARD,
				Instant.now(), null, null, input, 0.3, null);
	}

	private static byte[] png(int width, int height) throws IOException {
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < height; y++) {
			for (int x = 0; x < width; x++) {
				image.setRGB(x, y, 0x204060);
			}
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ImageIO.write(image, "png", out);
		return out.toByteArray();
	}

	/** The bucket as every service binds it ({@code kiln.storage.bucket}). */
	private static SharedProperties shared() {
		Map<String, String> values = Map.of("kiln.storage.bucket", "kiln-test");
		return new Binder(new MapConfigurationPropertySource(values)).bind("kiln", SharedProperties.class).get();
	}

}
