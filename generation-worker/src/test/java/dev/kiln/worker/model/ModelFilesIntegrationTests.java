package dev.kiln.worker.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Model locations against the embedded S3: downloaded once, checked, reused after a restart. */
class ModelFilesIntegrationTests {

	private static final String BUCKET = "wkmodels";

	private static S3Client s3;

	@BeforeAll
	static void bucket() {
		s3 = S3Client.builder()
			.endpointOverride(SharedEmbeddedStack.get().s3().endpoint())
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k")))
			.forcePathStyle(true)
			.build();
		s3.createBucket((b) -> b.bucket(BUCKET));
		put("sd15/unet.pt", "unet weights");
		put("sd15/tokenizer.json", "{\"model\": {}}");
		put("sd15/sub/vae_decoder.pt", "vae weights");
		put("other/unet.pt", "not this one");
	}

	@AfterAll
	static void close() {
		s3.close();
	}

	@Test
	void downloadsEveryObjectUnderThePrefixIntoTheCache(@TempDir Path cache) throws IOException {
		Path directory = new ModelFiles(s3, cache).directory("sd", "s3://" + BUCKET + "/sd15");
		assertThat(directory).isEqualTo(cache.resolve("sd"));
		assertThat(directory.resolve("unet.pt")).hasContent("unet weights");
		assertThat(directory.resolve("sub/vae_decoder.pt")).hasContent("vae weights");
		assertThat(directory.resolve("tokenizer.json")).exists();
		assertThat(directory.resolve("other")).doesNotExist();
	}

	@Test
	void keepsFilesThatMatchAndReplacesFilesThatDoNot(@TempDir Path cache) throws IOException {
		ModelFiles files = new ModelFiles(s3, cache);
		Path directory = files.directory("sd", "s3://" + BUCKET + "/sd15/");
		Path unet = directory.resolve("unet.pt");
		Path tokenizer = directory.resolve("tokenizer.json");
		var unetModified = Files.getLastModifiedTime(unet);
		// same size, different bytes: the checksum catches it
		Files.writeString(tokenizer, "{\"model\": []}");
		files.directory("sd", "s3://" + BUCKET + "/sd15/");
		assertThat(Files.getLastModifiedTime(unet)).isEqualTo(unetModified);
		assertThat(tokenizer).hasContent("{\"model\": {}}");
	}

	@Test
	void reusesACompleteEarlierDownloadWhenS3CannotBeReached(@TempDir Path cache) throws IOException {
		new ModelFiles(s3, cache).directory("sd", "s3://" + BUCKET + "/sd15");
		try (S3Client unreachable = S3Client.builder()
			.endpointOverride(java.net.URI.create("http://127.0.0.1:1"))
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k")))
			.forcePathStyle(true)
			.build()) {
			Path directory = new ModelFiles(unreachable, cache).directory("sd", "s3://" + BUCKET + "/sd15");
			assertThat(directory.resolve("unet.pt")).hasContent("unet weights");
			Files.delete(directory.resolve("unet.pt"));
			assertThatThrownBy(() -> new ModelFiles(unreachable, cache).directory("sd", "s3://" + BUCKET + "/sd15"))
				.isInstanceOf(IOException.class)
				.hasMessageContaining("no complete earlier download");
		}
	}

	@Test
	void anEmptyPrefixIsAnError(@TempDir Path cache) {
		assertThatThrownBy(() -> new ModelFiles(s3, cache).directory("sd", "s3://" + BUCKET + "/missing"))
			.isInstanceOf(IOException.class)
			.hasMessageContaining("No objects under s3://" + BUCKET + "/missing");
	}

	@Test
	void fileAndPlainLocationsAreUsedAsTheyAre(@TempDir Path cache) throws IOException {
		ModelFiles files = new ModelFiles(s3, cache);
		assertThat(files.directory("m", "file:/opt/models/m")).isEqualTo(Path.of("/opt/models/m"));
		assertThat(files.directory("m", "models/m")).isEqualTo(Path.of("models/m"));
	}

	@Test
	void aClasspathFolderOnDiskIsUsedInPlace(@TempDir Path cache) throws IOException {
		Path directory = new ModelFiles(s3, cache).directory("tiny", "classpath:models/tiny");
		assertThat(directory.resolve("unet.pt")).hasContent("weights");
		assertThat(directory.resolve("nested/tokenizer.json")).exists();
		assertThat(cache.resolve("tiny")).doesNotExist();
	}

	private static void put(String key, String content) {
		s3.putObject((b) -> b.bucket(BUCKET).key(key), RequestBody.fromString(content, StandardCharsets.UTF_8));
	}

}
