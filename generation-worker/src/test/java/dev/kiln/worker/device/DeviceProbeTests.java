package dev.kiln.worker.device;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The image probe reports what it finds and fails without a usable GPU (this build's libtorch is CPU-only). */
class DeviceProbeTests {

	@Test
	void failsAndSaysWhyWhenLibtorchSeesNoGpu() {
		assumeThat(Engine.getEngine("PyTorch").getGpuCount()).as("this build's libtorch is CPU-only").isZero();
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();

		int status = DeviceProbe.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
				() -> List.of("/dev/nvidia0"), Libtorch.djl());

		String report = bytes.toString(StandardCharsets.UTF_8);
		assertThat(status).isEqualTo(1);
		assertThat(report).contains("NVIDIA GPU given to the container: [/dev/nvidia0]")
			.containsPattern("libtorch: PyTorch 2\\.\\d+\\.\\d+ \\(.*\\) from /")
			.contains("CUDA devices libtorch sees: 0")
			.contains("FAIL: no CUDA device");
	}

}
