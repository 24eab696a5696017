package dev.kiln.worker.model;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.render.sd.ModelManifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The registry on the folder tools/export-model wrote from its stand-ins (see
 * {@code render.sd.ExportedModelRoundTripIntegrationTests}): limits from {@code kiln-model.json}, narrowed but never
 * widened by configuration, and files whose sha256 differs refused by name.
 */
class ExportedModelRegistryIntegrationTests {

	private static Path model;

	private static S3Client unused;

	@BeforeAll
	static void exported() {
		String location = System.getProperty("kiln.exported-model");
		assertThat(location).as("system property kiln.exported-model (set by the Maven build)").isNotBlank();
		model = Path.of(location, "model");
		// file: locations never reach S3
		unused = S3Client.builder()
			.region(Region.US_EAST_1)
			.endpointOverride(URI.create("http://127.0.0.1:1"))
			.credentialsProvider(AnonymousCredentialsProvider.create())
			.build();
	}

	@AfterAll
	static void close() {
		unused.close();
	}

	@Test
	void anExportedFolderServesWithTheManifestsLimits(@TempDir Path cache) {
		ServedModel served = ModelRegistry.load(files(cache), "exported", sd(model, null, null, null));
		try {
			ServedModel.Limits limits = served.limits();
			assertThat(limits.type()).isEqualTo("sd-torchscript");
			assertThat(limits.family()).isEqualTo("sd1");
			assertThat(limits.sizes()).containsExactly(new ModelManifest.Size(64, 64), new ModelManifest.Size(128, 64));
			assertThat(limits.maxPixels()).isEqualTo(128 * 64);
			assertThat(limits.maxBatch()).isEqualTo(3);
			assertThat(limits.scheduler()).isEqualTo("pndm");
			// LCM only for LCM-distilled models (default lcm)
			assertThat(limits.schedulers()).containsExactly("pndm", "ddim", "euler-ancestral", "euler", "dpm++2m",
					"dpm++2m-karras");
			assertThat(served.refusal(128, 64, 20, 3)).isNull();
			assertThat(served.refusal(128, 64, 20, 3, "dpm++2m-karras")).isNull();
			assertThat(served.refusal(128, 64, 20, 3, "lcm")).contains("does not render with scheduler 'lcm'");
			assertThat(served.refusal(128, 64, 20, 3, "lms")).contains("its schedulers: pndm, ddim");
			assertThat(served.refusal(64, 128, 20, 1)).contains("renders only the sizes [64x64, 128x64]");
			assertThat(served.refusal(64, 64, 20, 4)).contains("at most 3 images");
		}
		finally {
			served.generator().close();
		}
	}

	@Test
	void configurationNarrowsTheManifestsLimits(@TempDir Path cache) {
		ServedModel served = ModelRegistry.load(files(cache), "exported", sd(model, 4096, 2, "ddim"));
		try {
			assertThat(served.limits().sizes()).containsExactly(new ModelManifest.Size(64, 64));
			assertThat(served.limits().maxBatch()).isEqualTo(2);
			assertThat(served.limits().scheduler()).isEqualTo("ddim");
		}
		finally {
			served.generator().close();
		}
	}

	@Test
	void configurationCannotWidenTheManifestsLimits(@TempDir Path cache) {
		assertThatIllegalStateException()
			.isThrownBy(() -> ModelRegistry.load(files(cache), "exported", sd(model, null, 5, null)))
			.withMessageContaining("Could not load model 'exported'")
			.withMessageContaining("max-batch=5 is above the max_batch 3");
	}

	@Test
	void aFileWhoseSha256DiffersIsRefusedByName(@TempDir Path copy) throws IOException {
		try (Stream<Path> files = Files.list(model)) {
			for (Path file : files.toList()) {
				Files.copy(file, copy.resolve(file.getFileName()));
			}
		}
		byte[] unet = Files.readAllBytes(copy.resolve("unet.pt"));
		unet[unet.length / 2] ^= 1;
		Files.write(copy.resolve("unet.pt"), unet);
		assertThatIllegalStateException()
			.isThrownBy(() -> ModelRegistry.load(files(copy.resolve("cache")), "copied", sd(copy, null, null, null)))
			.withMessageContaining("Could not load model 'copied'")
			.withMessageContaining("unet.pt: sha256 ")
			.withMessageContaining("in kiln-model.json");
	}

	@Test
	void aBrokenManifestIsRefusedNamingTheField(@TempDir Path copy) throws IOException {
		try (Stream<Path> files = Files.list(model)) {
			for (Path file : files.toList()) {
				Files.copy(file, copy.resolve(file.getFileName()));
			}
		}
		Path manifest = copy.resolve(ModelManifest.FILE);
		Files.writeString(manifest, Files.readString(manifest).replace("\"max_batch\": 3", "\"max_batch\": 0"));
		assertThatIllegalStateException()
			.isThrownBy(() -> ModelRegistry.load(files(copy.resolve("cache")), "copied", sd(copy, null, null, null)))
			.withMessageContaining("kiln-model.json: field 'max_batch' must be an integer from 1 to 64 but was 0");
	}

	private static ModelFiles files(Path cache) {
		return new ModelFiles(unused, cache, new WorkerProperties.ModelDownload(2, DataSize.ofMegabytes(8), 1));
	}

	private static WorkerProperties.Model sd(Path folder, @Nullable Integer maxPixels, @Nullable Integer maxBatch,
			@Nullable String scheduler) {
		return new WorkerProperties.Model(WorkerProperties.ModelType.SD_TORCHSCRIPT, "file:" + folder, "cpu", maxPixels,
				null, maxBatch, scheduler);
	}

}
