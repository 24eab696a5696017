package dev.kiln.worker.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.model.ModelRegistry;
import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.NoopGenerator;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;
import dev.kiln.worker.render.StepListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/** A worker given an NVIDIA GPU that renders on the CPU says so: log, gauge, health. */
@ExtendWith(OutputCaptureExtension.class)
class DeviceHealthIndicatorTests {

	private static final NvidiaDevices GPU_GIVEN = () -> List.of("/dev/nvidia0", "NVIDIA_VISIBLE_DEVICES=GPU-1a2b");

	private static final NvidiaDevices NO_GPU = List::of;

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	@Test
	void anNvidiaGpuWithACpuOnlyLibtorchIsAnErrorInTheLogTheGaugeAndTheHealth(CapturedOutput output) {
		DeviceHealthIndicator indicator = indicator(List.of(model("sd15", "auto", "cpu()")), GPU_GIVEN, libtorch(0));

		Health health = indicator.health();

		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("type", "cpu")
			.containsEntry("gpus", 0)
			.containsEntry("nvidia", List.of("/dev/nvidia0", "NVIDIA_VISIBLE_DEVICES=GPU-1a2b"));
		assertThat((String) health.getDetails().get("error")).contains("/dev/nvidia0")
			.contains("[sd15]")
			.contains("libtorch sees no CUDA device")
			.contains("PyTorch 2.7.1 (test)");
		assertThat(this.meters.get("kiln.worker.device").tag("type", "cpu").tag("nvidia", "true")
			.tag("mismatch", "true").gauge().value()).isEqualTo(1);
		assertThat(output).containsPattern("ERROR .*An NVIDIA GPU is visible to this container");
	}

	@Test
	void aCpuWorkerWithoutAGpuIsHealthy(CapturedOutput output) {
		DeviceHealthIndicator indicator = indicator(List.of(model("sd15", "auto", "cpu()")), NO_GPU, libtorch(0));

		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		assertThat(this.meters.get("kiln.worker.device").tag("type", "cpu").tag("nvidia", "false")
			.tag("mismatch", "false").gauge().value()).isEqualTo(1);
		assertThat(output).doesNotContain("ERROR");
	}

	@Test
	void aGpuWorkerRenderingOnItsGpuIsHealthy() {
		DeviceHealthIndicator indicator = indicator(List.of(model("sd15", "auto", "gpu(0)")), GPU_GIVEN, libtorch(1));

		Health health = indicator.health();

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("type", "gpu").containsEntry("gpus", 1).doesNotContainKey("error");
		assertThat(this.meters.get("kiln.worker.device").tag("type", "gpu").tag("mismatch", "false").gauge().value())
			.isEqualTo(1);
	}

	@Test
	void aModelPutOnTheCpuOnPurposeIsNoMismatch() {
		DeviceHealthIndicator indicator = indicator(List.of(model("small", "cpu", "cpu()")), GPU_GIVEN, libtorch(0));

		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		assertThat(this.meters.get("kiln.worker.device").tag("mismatch", "false").gauge()).isNotNull();
	}

	@Test
	void onlyNoopModelsNeverLoadLibtorch() {
		Libtorch untouchable = new Libtorch() {

			@Override
			public int gpuCount() {
				throw new AssertionError("libtorch loaded for no-op models");
			}

			@Override
			public String description() {
				throw new AssertionError("libtorch loaded for no-op models");
			}

		};
		WorkerProperties.Model limits = limits("noop", "auto");
		DeviceHealthIndicator indicator = indicator(
				List.of(new ServedModel("zero", new NoopGenerator("zero"), limits)), GPU_GIVEN, untouchable);

		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		assertThat(indicator.health().getDetails()).containsEntry("type", "none");
	}

	@Test
	void readsDeviceNodesAndTheRuntimesVariable(@TempDir Path dev) throws IOException {
		for (String node : List.of("nvidia1", "nvidia0", "nvidiactl", "nvidia-uvm", "null")) {
			Files.createFile(dev.resolve(node));
		}

		assertThat(NvidiaDevices.of(dev, Map.of("NVIDIA_VISIBLE_DEVICES", "GPU-3c0a")).visible()).containsExactly(
				dev.resolve("nvidia0").toString(), dev.resolve("nvidia1").toString(), "NVIDIA_VISIBLE_DEVICES=GPU-3c0a");
		assertThat(NvidiaDevices.of(dev.resolve("missing"), Map.of("NVIDIA_VISIBLE_DEVICES", "0,1")).visible())
			.containsExactly("NVIDIA_VISIBLE_DEVICES=0,1");
		assertThat(NvidiaDevices.of(dev.resolve("missing"), Map.of("NVIDIA_VISIBLE_DEVICES", "all")).visible())
			.as("set by every CUDA base image, GPU or not")
			.isEmpty();
		assertThat(NvidiaDevices.of(dev.resolve("missing"), Map.of("NVIDIA_VISIBLE_DEVICES", "void")).visible())
			.isEmpty();
		assertThat(NvidiaDevices.of(dev.resolve("missing"), Map.of("NVIDIA_VISIBLE_DEVICES", "none")).visible())
			.isEmpty();
		assertThat(NvidiaDevices.of(dev.resolve("missing"), Map.of()).visible()).isEmpty();
	}

	private DeviceHealthIndicator indicator(List<ServedModel> served, NvidiaDevices nvidia, Libtorch libtorch) {
		ModelRegistry registry = mock();
		given(registry.all()).willReturn(served);
		return new DeviceHealthIndicator(registry, nvidia, libtorch, this.meters);
	}

	private static Libtorch libtorch(int gpus) {
		return new Libtorch() {

			@Override
			public int gpuCount() {
				return gpus;
			}

			@Override
			public String description() {
				return "PyTorch 2.7.1 (test)";
			}

		};
	}

	private static ServedModel model(String id, String device, String renderedOn) {
		return new ServedModel(id, new FixedDeviceGenerator(id, renderedOn), limits("sd-torchscript", device));
	}

	private static WorkerProperties.Model limits(String type, String device) {
		Map<String, String> values = Map.of("kiln.worker.model-cache", "/tmp/m", "kiln.worker.models.m.type", type,
				"kiln.worker.models.m.location", "file:/models/m", "kiln.worker.models.m.device", device);
		return new Binder(new MapConfigurationPropertySource(values)).bind("kiln.worker", WorkerProperties.class)
			.get()
			.models()
			.get("m");
	}

	private record FixedDeviceGenerator(String modelId, String device) implements dev.kiln.worker.render.ImageGenerator {

		@Override
		public RenderedImages render(RenderRequest request, StepListener listener) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void close() {
		}

	}

}
