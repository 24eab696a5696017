package dev.kiln.worker.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.render.sd.ModelManifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Model locations against the embedded S3: downloaded once in ranged parts, checked against {@code kiln-model.json}'s
 * sha256 (not the ETag), resumed after a failure, reused after a restart.
 */
class ModelFilesIntegrationTests {

	private static final String BUCKET = "wkmodels";

	/** Small parts, so a few kilobytes make several ranged GETs. */
	private static final WorkerProperties.ModelDownload PARTS = new WorkerProperties.ModelDownload(3,
			DataSize.ofKilobytes(1), 3);

	private static final byte[] UNET = randomBytes(5000, 1);

	private static final byte[] VAE = randomBytes(2100, 2);

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
		Map<String, byte[]> exported = exportedFiles();
		exported.forEach((name, bytes) -> put("exported/" + name, bytes));
		put("exported/" + ModelManifest.FILE, manifest(exported, Map.of()));
		put("exported/stray.bin", "not listed in the manifest");
		Map<String, byte[]> wrong = exportedFiles();
		wrong.forEach((name, bytes) -> put("wrong-sha/" + name, bytes));
		put("wrong-sha/" + ModelManifest.FILE, manifest(wrong, Map.of("unet.pt", sha256("something else"))));
	}

	@AfterAll
	static void close() {
		s3.close();
	}

	@Test
	void downloadsEveryObjectUnderThePrefixIntoTheCache(@TempDir Path cache) throws IOException {
		Path directory = new ModelFiles(s3, cache, PARTS).directory("sd", "s3://" + BUCKET + "/sd15");
		assertThat(directory).isEqualTo(cache.resolve("sd"));
		assertThat(directory.resolve("unet.pt")).hasContent("unet weights");
		assertThat(directory.resolve("sub/vae_decoder.pt")).hasContent("vae weights");
		assertThat(directory.resolve("tokenizer.json")).exists();
		assertThat(directory.resolve("other")).doesNotExist();
	}

	@Test
	void withAManifestFetchesItsFilesInRangedPartsAndChecksTheirSha256(@TempDir Path cache) throws IOException {
		CountingS3 counting = new CountingS3(s3, (request) -> false);
		Path directory = new ModelFiles(counting, cache, PARTS).directory("sd", "s3://" + BUCKET + "/exported/");
		assertThat(Files.readAllBytes(directory.resolve("unet.pt"))).isEqualTo(UNET);
		assertThat(Files.readAllBytes(directory.resolve("vae_decoder.pt"))).isEqualTo(VAE);
		assertThat(directory.resolve("stray.bin")).as("only what the manifest lists").doesNotExist();
		assertThat(counting.ranges("unet.pt")).containsExactlyInAnyOrder("bytes=0-1023", "bytes=1024-2047",
				"bytes=2048-3071", "bytes=3072-4095", "bytes=4096-4999");
		try (var files = Files.list(directory)) {
			assertThat(files.map((file) -> file.getFileName().toString()))
				.noneMatch((name) -> name.endsWith(".download") || name.endsWith(".parts"));
		}
		// a restart fetches nothing but the listing and the manifest
		CountingS3 again = new CountingS3(s3, (request) -> false);
		new ModelFiles(again, cache, PARTS).directory("sd", "s3://" + BUCKET + "/exported/");
		assertThat(again.gets).containsExactly("exported/" + ModelManifest.FILE + " all");
	}

	@Test
	void aPartThatFailsOnceIsTriedAgain(@TempDir Path cache) throws IOException {
		CountingS3 flaky = new CountingS3(s3, new FailOnce("exported/unet.pt", "bytes=1024-2047"));
		Path directory = new ModelFiles(flaky, cache, PARTS).directory("sd", "s3://" + BUCKET + "/exported");
		assertThat(Files.readAllBytes(directory.resolve("unet.pt"))).isEqualTo(UNET);
		assertThat(flaky.ranges("unet.pt")).filteredOn("bytes=1024-2047"::equals).hasSize(2);
		assertThat(flaky.ranges("unet.pt")).filteredOn("bytes=0-1023"::equals).hasSize(1);
	}

	@Test
	void aFailedDownloadResumesWithThePartsItAlreadyHas(@TempDir Path cache) throws IOException {
		WorkerProperties.ModelDownload once = new WorkerProperties.ModelDownload(1, DataSize.ofKilobytes(1), 1);
		CountingS3 broken = new CountingS3(s3, (request) -> request.key().equals("exported/unet.pt")
				&& "bytes=2048-3071".equals(request.range()));
		assertThatThrownBy(() -> new ModelFiles(broken, cache, once).directory("sd", "s3://" + BUCKET + "/exported"))
			.isInstanceOf(IOException.class)
			.hasMessageContaining("Could not download s3://" + BUCKET + "/exported/unet.pt")
			.hasMessageContaining("parts already downloaded are kept");
		assertThat(cache.resolve("sd/unet.pt")).doesNotExist();
		assertThat(cache.resolve("sd/unet.pt.download")).exists();

		CountingS3 healthy = new CountingS3(s3, (request) -> false);
		Path directory = new ModelFiles(healthy, cache, once).directory("sd", "s3://" + BUCKET + "/exported");
		assertThat(Files.readAllBytes(directory.resolve("unet.pt"))).isEqualTo(UNET);
		// every other part finished in the failed run and is kept: only the failed one is fetched again
		assertThat(healthy.ranges("unet.pt")).containsExactly("bytes=2048-3071");
	}

	@Test
	void aFileWhoseSha256DiffersFromTheManifestIsRefusedByName(@TempDir Path cache) {
		assertThatThrownBy(() -> new ModelFiles(s3, cache, PARTS).directory("sd", "s3://" + BUCKET + "/wrong-sha"))
			.isInstanceOf(IOException.class)
			.hasMessageContaining("unet.pt (s3://" + BUCKET + "/wrong-sha/unet.pt): sha256 ")
			.hasMessageContaining("differs from " + sha256("something else") + " in kiln-model.json");
		assertThat(cache.resolve("sd/unet.pt")).doesNotExist();
	}

	@Test
	void anETagThatIsNotAnMd5DoesNotStopTheDownload(@TempDir Path cache) throws IOException {
		// SSE-KMS and multipart uploads: the ETag is 32 hex digits (or more) that are not the object's MD5
		S3Client kms = new CountingS3(s3, (request) -> false) {
			@Override
			public ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
				ListObjectsV2Response response = super.listObjectsV2(request);
				return response.toBuilder()
					.contents(response.contents()
						.stream()
						.map((object) -> object.toBuilder().eTag("\"0123456789abcdef0123456789abcdef\"").build())
						.toList())
					.build();
			}
		};
		Path exported = new ModelFiles(kms, cache, PARTS).directory("sd", "s3://" + BUCKET + "/exported");
		assertThat(Files.readAllBytes(exported.resolve("unet.pt"))).isEqualTo(UNET);
		Path legacy = new ModelFiles(kms, cache, PARTS).directory("legacy", "s3://" + BUCKET + "/sd15");
		assertThat(legacy.resolve("unet.pt")).hasContent("unet weights");
	}

	@Test
	void aCachedFileThatNoLongerMatchesIsFetchedAgain(@TempDir Path cache) throws IOException {
		ModelFiles files = new ModelFiles(s3, cache, PARTS);
		Path directory = files.directory("sd", "s3://" + BUCKET + "/exported");
		Path unet = directory.resolve("unet.pt");
		Path vae = directory.resolve("vae_decoder.pt");
		var vaeModified = Files.getLastModifiedTime(vae);
		// same size, different bytes: the sha256 catches it
		byte[] damaged = UNET.clone();
		damaged[100] ^= 1;
		Files.write(unet, damaged);
		files.directory("sd", "s3://" + BUCKET + "/exported");
		assertThat(Files.readAllBytes(unet)).isEqualTo(UNET);
		assertThat(Files.getLastModifiedTime(vae)).isEqualTo(vaeModified);
	}

	@Test
	void withoutAManifestFilesAreCheckedBySize(@TempDir Path cache) throws IOException {
		ModelFiles files = new ModelFiles(s3, cache, PARTS);
		Path directory = files.directory("sd", "s3://" + BUCKET + "/sd15/");
		Path tokenizer = directory.resolve("tokenizer.json");
		Files.writeString(tokenizer, "{}");
		files.directory("sd", "s3://" + BUCKET + "/sd15/");
		assertThat(tokenizer).hasContent("{\"model\": {}}");
	}

	@Test
	void verifyNamesAFileThatDiffersFromTheManifest(@TempDir Path directory) throws IOException {
		Map<String, byte[]> files = exportedFiles();
		for (Map.Entry<String, byte[]> file : files.entrySet()) {
			Files.write(directory.resolve(file.getKey()), file.getValue());
		}
		Files.write(directory.resolve(ModelManifest.FILE), manifest(files, Map.of()));
		ModelManifest manifest = ModelManifest.read(directory.resolve(ModelManifest.FILE));
		ModelFiles.verify(directory, manifest, false);
		byte[] damaged = VAE.clone();
		damaged[0] ^= 1;
		Files.write(directory.resolve("vae_decoder.pt"), damaged);
		assertThatThrownBy(() -> ModelFiles.verify(directory, manifest, false)).isInstanceOf(IOException.class)
			.hasMessageStartingWith("vae_decoder.pt: sha256 ")
			.hasMessageContaining("differs from " + sha256(VAE) + " in kiln-model.json");
		Files.write(directory.resolve("vae_decoder.pt"), VAE);
		Files.delete(directory.resolve("tokenizer.json"));
		assertThatThrownBy(() -> ModelFiles.verify(directory, manifest, false)).isInstanceOf(IOException.class)
			.hasMessageContaining("lists tokenizer.json but");
	}

	@Test
	void reusesACompleteEarlierDownloadWhenS3CannotBeReached(@TempDir Path cache) throws IOException {
		new ModelFiles(s3, cache, PARTS).directory("sd", "s3://" + BUCKET + "/sd15");
		try (S3Client unreachable = S3Client.builder()
			.endpointOverride(java.net.URI.create("http://127.0.0.1:1"))
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k")))
			.forcePathStyle(true)
			.build()) {
			Path directory = new ModelFiles(unreachable, cache, PARTS).directory("sd", "s3://" + BUCKET + "/sd15");
			assertThat(directory.resolve("unet.pt")).hasContent("unet weights");
			Files.delete(directory.resolve("unet.pt"));
			assertThatThrownBy(
					() -> new ModelFiles(unreachable, cache, PARTS).directory("sd", "s3://" + BUCKET + "/sd15"))
				.isInstanceOf(IOException.class)
				.hasMessageContaining("no complete earlier download");
		}
	}

	@Test
	void anEmptyPrefixIsAnError(@TempDir Path cache) {
		assertThatThrownBy(() -> new ModelFiles(s3, cache, PARTS).directory("sd", "s3://" + BUCKET + "/missing"))
			.isInstanceOf(IOException.class)
			.hasMessageContaining("No objects under s3://" + BUCKET + "/missing");
	}

	@Test
	void fileAndPlainLocationsAreUsedAsTheyAre(@TempDir Path cache) throws IOException {
		ModelFiles files = new ModelFiles(s3, cache, PARTS);
		assertThat(files.directory("m", "file:/opt/models/m")).isEqualTo(Path.of("/opt/models/m"));
		assertThat(files.directory("m", "models/m")).isEqualTo(Path.of("models/m"));
	}

	@Test
	void aClasspathFolderOnDiskIsUsedInPlace(@TempDir Path cache) throws IOException {
		Path directory = new ModelFiles(s3, cache, PARTS).directory("tiny", "classpath:models/tiny");
		assertThat(directory.resolve("unet.pt")).hasContent("weights");
		assertThat(directory.resolve("nested/tokenizer.json")).exists();
		assertThat(cache.resolve("tiny")).doesNotExist();
	}

	/** The files of an exported folder (contents are arbitrary: ModelFiles never loads them). */
	private static Map<String, byte[]> exportedFiles() {
		Map<String, byte[]> files = new LinkedHashMap<>();
		files.put("text_encoder.pt", "text encoder".getBytes(StandardCharsets.UTF_8));
		files.put("unet.pt", UNET);
		files.put("vae_decoder.pt", VAE);
		files.put("vae_encoder.pt", "vae encoder".getBytes(StandardCharsets.UTF_8));
		files.put("tokenizer.json", "{\"model\": {}}".getBytes(StandardCharsets.UTF_8));
		return files;
	}

	/** A manifest like tools/export-model writes; {@code shaOverrides} lists wrong checksums on purpose. */
	static byte[] manifest(Map<String, byte[]> files, Map<String, String> shaOverrides) {
		StringBuilder entries = new StringBuilder();
		files.forEach((name, bytes) -> entries.append(entries.isEmpty() ? "" : ",\n")
			.append("    \"")
			.append(name)
			.append("\": {\"sha256\": \"")
			.append(shaOverrides.getOrDefault(name, sha256(bytes)))
			.append("\", \"size\": ")
			.append(bytes.length)
			.append("}"));
		return ("""
				{
				  "schema_version": 1, "family": "sd1", "dtype": "fp32", "vae_dtype": "fp32", "latent_channels": 4,
				  "vae_scaling_factor": 0.18215, "sample_size": 64, "sizes": [{"width": 512, "height": 512}],
				  "max_batch": 4, "prediction_type": "epsilon", "timestep_spacing": "leading",
				  "default_scheduler": "pndm", "force_zeros_for_empty_prompt": false, "source": "test",
				  "files": {
				%s
				  }
				}
				""".formatted(entries)).getBytes(StandardCharsets.UTF_8);
	}

	private static String sha256(String text) {
		return sha256(text.getBytes(StandardCharsets.UTF_8));
	}

	private static String sha256(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static byte[] randomBytes(int length, long seed) {
		byte[] bytes = new byte[length];
		new Random(seed).nextBytes(bytes);
		return bytes;
	}

	private static void put(String key, String content) {
		put(key, content.getBytes(StandardCharsets.UTF_8));
	}

	private static void put(String key, byte[] content) {
		s3.putObject((b) -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(content));
	}

	/** Fails the first GET of one range of one key. */
	private static final class FailOnce implements Predicate<GetObjectRequest> {

		private final String key;

		private final String range;

		private boolean failed;

		FailOnce(String key, String range) {
			this.key = key;
			this.range = range;
		}

		@Override
		public synchronized boolean test(GetObjectRequest request) {
			if (!this.failed && request.key().equals(this.key) && this.range.equals(request.range())) {
				this.failed = true;
				return true;
			}
			return false;
		}

	}

	/** Records every GET (key and range) and fails those the predicate picks, as a dropped connection would. */
	private static class CountingS3 implements S3Client {

		private final S3Client delegate;

		private final Predicate<GetObjectRequest> fail;

		final List<String> gets = new CopyOnWriteArrayList<>();

		CountingS3(S3Client delegate, Predicate<GetObjectRequest> fail) {
			this.delegate = delegate;
			this.fail = fail;
		}

		List<String> ranges(String file) {
			return this.gets.stream()
				.filter((get) -> get.startsWith("exported/" + file + " "))
				.map((get) -> get.substring(get.indexOf(' ') + 1))
				.toList();
		}

		@Override
		public ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
			return this.delegate.listObjectsV2(request);
		}

		@Override
		public ResponseInputStream<GetObjectResponse> getObject(GetObjectRequest request) {
			this.gets.add(request.key() + " " + ((request.range() != null) ? request.range() : "all"));
			if (this.fail.test(request)) {
				throw SdkClientException.create("connection reset (injected)");
			}
			return this.delegate.getObject(request);
		}

		@Override
		public String serviceName() {
			return this.delegate.serviceName();
		}

		@Override
		public void close() {
		}

	}

}
