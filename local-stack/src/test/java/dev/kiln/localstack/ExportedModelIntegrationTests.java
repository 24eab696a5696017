package dev.kiln.localstack;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

import dev.kiln.worker.model.ServedModel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The stack {@code ./run-local --model-dir DIR} starts, in this JVM, serving a folder that {@code tools/export-model}
 * wrote: its stand-in modules, exported by torch 1.13 in Maven's {@code pre-integration-test} phase
 * ({@code tests/standins.py}, traced at 64x64 and 128x64 with max batch 3) and copied to a folder named
 * {@code standin-sd1}, the model's id. The gateway learns of it from the worker's heartbeats only.
 */
class ExportedModelIntegrationTests {

	private static final String MODEL = "standin-sd1";

	private static final List<String> ANY_PORTS = List.of("--gateway-port", "0", "--queue-service-port", "0",
			"--worker-port", "0", "--advisor-port", "0", "--advisor-grpc-port", "0", "--sqs-port", "0", "--s3-port", "0",
			"--redis-port", "0");

	private static Path work;

	private static LocalStack stack;

	private static RestClient gateway;

	@BeforeAll
	static void start(@TempDir Path directory) throws IOException {
		work = directory;
		copyExportedModel(work.resolve(MODEL));
		stack = LocalStack.start(options());
		gateway = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.baseUrl(stack.gatewayUrl())
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + stack.apiKey())
			.build();
	}

	@AfterAll
	static void stop() {
		if (stack != null) {
			stack.close();
		}
	}

	@Test
	void modelsListTheExportedModelWithItsManifestsLimitsBesideTheBuiltInOne() {
		JsonNode exported = await().atMost(Duration.ofSeconds(30)).until(() -> model(MODEL), (model) -> model != null);
		assertThat(exported.get("configured").asBoolean()).isFalse();
		assertThat(exported.get("liveWorkers").asInt()).isEqualTo(1);
		assertThat(exported.get("family").asString()).isEqualTo("sd1");
		// tools/export-model/tests/standins.py: export_standins(sizes=((64, 64), (128, 64)), max_batch=3)
		assertThat(exported.get("sizes").toString())
			.isEqualTo("[{\"width\":64,\"height\":64},{\"width\":128,\"height\":64}]");
		assertThat(exported.get("maxBatch").asInt()).isEqualTo(3);
		assertThat(exported.get("maxPixels").asInt()).isEqualTo(128 * 64);
		assertThat(exported.get("description").asString()).isEqualTo("Stable Diffusion (sd1), exported TorchScript");
		assertThat(gateway.get().uri("/v1/models").retrieve().body(JsonNode.class).get("defaultModel").asString())
			.isEqualTo(MODEL);
		JsonNode builtin = model(ExportedModel.BUILTIN);
		assertThat(builtin.get("description").asString()).isEqualTo(ServedModel.Limits.BUILTIN_DESCRIPTION)
			.contains("not Stable Diffusion");
		assertThat(stack.summary(false)).contains("  Models         standin-sd1: Stable Diffusion sd1 from " + work,
				"sizes 64x64, 128x64 (the default)", "kiln-builtin: renders abstract patterns");
	}

	@Test
	void theDemoJobRendersWithTheExportedModelAtTheSizeAsked() throws IOException {
		await().atMost(Duration.ofSeconds(30)).until(() -> model(MODEL), (model) -> model != null);
		LocalStackOptions options = LocalStackOptions.parse(Stream
			.concat(ANY_PORTS.stream(), Stream.of("--model-dir", work.resolve(MODEL).toString(), "--prompt",
					"a lighthouse at dusk", "--width", "128", "--height", "64", "--steps", "3", "--seed", "7"))
			.toArray(String[]::new));
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		Path saved;
		try (DemoJob job = new DemoJob(stack.gatewayUrl(), stack.apiKey(), work.resolve("images"),
				new PrintStream(printed, true, StandardCharsets.UTF_8))) {
			saved = job.run(options);
		}
		assertThat(printed.toString(StandardCharsets.UTF_8)).contains(" submitted (standin-sd1, 128x64, 3 steps, seed 7)",
				"  SUCCEEDED in ");
		BufferedImage image = ImageIO.read(saved.toFile());
		assertThat(image).as("decoded %s", saved).isNotNull();
		assertThat(image.getWidth()).isEqualTo(128);
		assertThat(image.getHeight()).isEqualTo(64);
	}

	@Test
	void aSizeTheModelWasNotExportedAtIsRefusedByTheGateway() {
		await().atMost(Duration.ofSeconds(30)).until(() -> model(MODEL), (model) -> model != null);
		JsonNode problem = gateway.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"prompt": "a lighthouse", "width": 64, "height": 128, "model": "standin-sd1"}""")
			.exchange((request, response) -> {
				assertThat(response.getStatusCode().value()).isEqualTo(400);
				return response.bodyTo(JsonNode.class);
			});
		assertThat(problem.get("errors").get(0).get("message").asString()).endsWith("its sizes: 64x64, 128x64");
	}

	@Test
	void theFolderNameMustBeAModelIdOtherThanTheBuiltInOne(@TempDir Path other) throws IOException {
		Path spaced = other.resolve("SD 1.5");
		copyExportedModel(spaced);
		assertThatExceptionOfType(ExportedModel.InvalidModelDirectoryException.class)
			.isThrownBy(() -> ExportedModel.read(spaced))
			.withMessage("--model-dir " + spaced + ": the folder's name is the model id, and 'sd 1.5' is not one "
					+ "(1-100 lower-case letters, digits, '.', '_' or '-'); rename the folder");
		Path builtin = other.resolve("kiln-builtin");
		copyExportedModel(builtin);
		assertThatExceptionOfType(ExportedModel.InvalidModelDirectoryException.class)
			.isThrownBy(() -> ExportedModel.read(builtin))
			.withMessageContaining("'kiln-builtin' is the built-in model's");
		// a dot stays inside the id: the worker's property names put it in brackets
		Path dotted = other.resolve("sd1.5-standin");
		copyExportedModel(dotted);
		assertThat(ExportedModel.read(dotted).workerProperties()).containsEntry(
				"kiln.worker.models[sd1.5-standin].type", "sd-torchscript")
			.containsEntry("kiln.worker.models[sd1.5-standin].location", "file:" + dotted);
	}

	private static LocalStackOptions options() {
		List<String> args = new ArrayList<>(ANY_PORTS);
		args.addAll(List.of("--work-dir", work.resolve("kiln-local").toString(), "--model-dir",
				work.resolve(MODEL).toString()));
		return LocalStackOptions.parse(args.toArray(String[]::new));
	}

	private static JsonNode model(String id) {
		for (JsonNode model : gateway.get().uri("/v1/models").retrieve().body(JsonNode.class).get("models")) {
			if (model.get("id").asString().equals(id)) {
				return model;
			}
		}
		return null;
	}

	/**
	 * Copies the folder the build exported ({@code kiln.exported-model}/model) to one named as the model's id.
	 * @param target the new folder
	 */
	static void copyExportedModel(Path target) throws IOException {
		Path source = Path.of(System.getProperty("kiln.exported-model", "target/exported-standin-sd1")).resolve("model");
		assertThat(source.resolve("kiln-model.json")).as("exported by the build's pre-integration-test phase").exists();
		try (Stream<Path> files = Files.walk(source)) {
			for (Path file : files.toList()) {
				Path copy = target.resolve(source.relativize(file).toString());
				if (Files.isDirectory(file)) {
					Files.createDirectories(copy);
				}
				else {
					Files.copy(file, copy);
				}
			}
		}
	}

}
