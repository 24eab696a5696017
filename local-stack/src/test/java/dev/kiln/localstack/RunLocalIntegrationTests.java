package dev.kiln.localstack;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs {@code ./run-local} as a newcomer would (without the build, which the Maven build has just done: Failsafe
 * runs after {@code package}, which writes {@code target/classpath.txt}) and checks what it prints and how it exits.
 * Every port is 0, so it does not clash with other tests or a stack running on the default ports.
 */
class RunLocalIntegrationTests {

	private static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();

	private static final List<String> ANY_PORTS = List.of("--gateway-port", "0", "--queue-service-port", "0",
			"--worker-port", "0", "--advisor-port", "0", "--advisor-grpc-port", "0", "--sqs-port", "0", "--s3-port", "0",
			"--redis-port", "0");

	@Test
	void aPromptRunPrintsAFewLinesSavesThePngAndExitsZero(@TempDir Path work) throws Exception {
		Run run = runLocal(work, "--prompt", "a lighthouse at dusk", "--width", "64", "--height", "72", "--steps", "4",
				"--seed", "5");

		assertThat(run.exitCode()).as(run::toString).isZero();
		assertThat(run.stderr()).as(run::toString).isEmpty();
		assertThat(run.stdout()).as(run::toString)
			.hasSizeLessThan(40)
			.noneMatch((line) -> line.contains("Exception") || line.stripLeading().startsWith("at "))
			.anySatisfy((line) -> assertThat(line).matches("  SQS, S3 and Redis ready in \\d+\\.\\d s"))
			.anySatisfy((line) -> assertThat(line).matches("  queue-service +ready in \\d+\\.\\d s"))
			.anySatisfy((line) -> assertThat(line).matches("  generation-worker +ready in \\d+\\.\\d s"))
			.anySatisfy((line) -> assertThat(line).matches("  gateway +ready in \\d+\\.\\d s"))
			.anySatisfy((line) -> assertThat(line).matches("  autoscale-advisor +ready in \\d+\\.\\d s"))
			.anySatisfy((line) -> assertThat(line).startsWith("  API key        kiln_demo_"))
			.anySatisfy((line) -> assertThat(line).matches("  SUCCEEDED in \\d+\\.\\d s"))
			.anySatisfy((line) -> assertThat(line).matches("Stopped in \\d+\\.\\d s\\."));
		String saved = run.stdout()
			.stream()
			.filter((line) -> line.startsWith("Saved "))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No 'Saved' line in " + run))
			.substring("Saved ".length());
		BufferedImage image = ImageIO.read(Path.of(saved).toFile());
		assertThat(image).as("decoded %s", saved).isNotNull();
		assertThat(image.getWidth()).isEqualTo(64);
		assertThat(image.getHeight()).isEqualTo(72);

		// each service's log is in its own file, with nothing of the others'
		Path logs = work.resolve("kiln-local/logs");
		assertThat(logs.resolve("generation-worker.log")).content().contains("rendered 1 image(s) 64x72");
		assertThat(logs.resolve("gateway.log")).content()
			.contains("API key 'local-stack' for tenant 'demo'")
			.doesNotContain("rendered 1 image");
		assertThat(logs.resolve("queue-service.log")).content()
			.contains("Provisioner")
			.doesNotContain("API key 'local-stack'");
		assertThat(logs.resolve("autoscale-advisor.log")).content()
			.contains("KEDA external scaler listening")
			.doesNotContain("Provisioner");
		assertThat(logs.resolve("embedded-stack.log")).content().contains("LocalS3 started");
	}

	@Test
	void withAModelDirThePromptRendersWithTheExportedModelAtItsFirstSize(@TempDir Path work) throws Exception {
		// the stand-ins tools/export-model exported before the integration tests, in a folder named as the model
		Path model = work.resolve("standin-sd1");
		ExportedModelIntegrationTests.copyExportedModel(model);
		Run run = runLocal(work, "--model-dir", model.toString(), "--prompt", "a lighthouse at dusk", "--steps", "3",
				"--seed", "5");

		assertThat(run.exitCode()).as(run::toString).isZero();
		// libtorch itself (C++, past Java's logging) warns on CPUs it cannot use NNPACK on, when the UNet's and VAE's
		// convolutions first run: "[W1201 18:15:42.885415778 NNPACK.cpp:57] Could not initialize NNPACK! Reason:
		// Unsupported hardware." (TORCH_CPP_LOG_LEVEL does not reach it through DJL); nothing else may be there
		assertThat(run.stderr()).as(run::toString)
			.allMatch((line) -> line.matches("\\[W\\d{4} [\\d:.]+ NNPACK\\.cpp:\\d+\\] Could not initialize NNPACK!.*"));
		assertThat(run.stdout()).as(run::toString)
			.noneMatch((line) -> line.contains("Exception"))
			.anySatisfy((line) -> assertThat(line)
				.startsWith("  Models         standin-sd1: Stable Diffusion sd1 from " + model))
			.anySatisfy((line) -> assertThat(line).contains("kiln-builtin: renders abstract patterns"))
			// no --width/--height: the first size its kiln-model.json lists (standins.py: 64x64, 128x64)
			.anySatisfy((line) -> assertThat(line)
				.matches("Job \\S+ submitted \\(standin-sd1, 64x64, 3 steps, seed 5\\)"))
			.anySatisfy((line) -> assertThat(line).matches("  SUCCEEDED in \\d+\\.\\d s"));
		String saved = run.stdout()
			.stream()
			.filter((line) -> line.startsWith("Saved "))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No 'Saved' line in " + run))
			.substring("Saved ".length());
		BufferedImage image = ImageIO.read(Path.of(saved).toFile());
		assertThat(image).as("decoded %s", saved).isNotNull();
		assertThat(image.getWidth()).isEqualTo(64);
		assertThat(image.getHeight()).isEqualTo(64);
		assertThat(work.resolve("kiln-local/logs/generation-worker.log")).content()
			.contains("Model standin-sd1 (sd-torchscript) loaded from " + model);
	}

	@Test
	void aModelDirWithoutAManifestEndsItWithOneLine(@TempDir Path work) throws Exception {
		Path empty = Files.createDirectories(work.resolve("sd15"));
		Run run = runLocal(work, "--model-dir", empty.toString(), "--prompt", "a lighthouse at dusk");

		assertThat(run.exitCode()).as(run::toString).isEqualTo(2);
		assertThat(run.stdout()).as(run::toString).isEmpty();
		assertThat(run.stderr()).as(run::toString)
			.singleElement()
			.asString()
			.startsWith("--model-dir " + empty + ": no kiln-model.json in it");
	}

	@Test
	void aTakenPortEndsItWithOneLineNamingTheOption(@TempDir Path work) throws Exception {
		try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			int port = taken.getLocalPort();
			List<String> args = new ArrayList<>(ANY_PORTS);
			args.set(args.indexOf("--gateway-port") + 1, Integer.toString(port));
			Run run = runLocal(work, args);

			assertThat(run.exitCode()).as(run::toString).isEqualTo(1);
			assertThat(run.stdout()).as(run::toString).isEmpty();
			assertThat(run.stderr()).as(run::toString)
				.singleElement()
				.asString()
				.startsWith("Port " + port + " for the gateway is already in use")
				.contains("--gateway-port=<port>");
		}
	}

	private static Run runLocal(Path work, String... options) throws IOException, InterruptedException {
		List<String> args = new ArrayList<>(ANY_PORTS);
		args.addAll(List.of(options));
		return runLocal(work, args);
	}

	/** Runs it with {@code --work-dir <work>/kiln-local}, its output going to {@code <work>/std{out,err}.txt}. */
	private static Run runLocal(Path work, List<String> options) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(REPOSITORY.resolve("run-local").toString(), "--no-build",
				"--work-dir", work.resolve("kiln-local").toString()));
		command.addAll(options);
		Path stdout = work.resolve("stdout.txt");
		Path stderr = work.resolve("stderr.txt");
		ProcessBuilder builder = new ProcessBuilder(command).directory(REPOSITORY.toFile())
			.redirectOutput(stdout.toFile())
			.redirectError(stderr.toFile());
		// the JDK running this test, which the build has just used
		builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
		Process process = builder.start();
		if (!process.waitFor(8, TimeUnit.MINUTES)) {
			process.destroy();
			process.waitFor(30, TimeUnit.SECONDS);
			fail("run-local did not end within 8 minutes: " + new Run(-1, lines(stdout), lines(stderr)));
		}
		return new Run(process.exitValue(), lines(stdout), lines(stderr));
	}

	private static List<String> lines(Path file) throws IOException {
		return Files.readAllLines(file, StandardCharsets.UTF_8);
	}

	private record Run(int exitCode, List<String> stdout, List<String> stderr) {

		@Override
		public String toString() {
			return "exit " + this.exitCode + "\n--- stdout\n" + String.join("\n", this.stdout) + "\n--- stderr\n"
					+ String.join("\n", this.stderr);
		}

	}

}
