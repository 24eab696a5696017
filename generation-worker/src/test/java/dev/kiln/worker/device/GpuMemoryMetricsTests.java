package dev.kiln.worker.device;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** GPU memory gauges: one pair per CUDA device, read at each scrape, none without a device. */
class GpuMemoryMetricsTests {

	@Test
	void registersUsedAndTotalPerDeviceWithTheirPrometheusNames() {
		FakeMemory memory = new FakeMemory(Map.of(0, new GpuMemory.Usage(1_500_000_000L, 24_000_000_000L), 1,
				new GpuMemory.Usage(2_000_000L, 16_000_000_000L)));
		PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

		new GpuMemoryMetrics(memory).bindTo(registry);
		String scrape = registry.scrape();

		assertThat(scrape).contains("kiln_worker_gpu_memory_used_bytes{device=\"gpu(0)\"} 1.5E9")
			.contains("kiln_worker_gpu_memory_total_bytes{device=\"gpu(0)\"} 2.4E10")
			.contains("kiln_worker_gpu_memory_used_bytes{device=\"gpu(1)\"} 2000000.0")
			.contains("kiln_worker_gpu_memory_total_bytes{device=\"gpu(1)\"} 1.6E10");
	}

	@Test
	void readsTheDeviceAfreshAtEachScrape() {
		FakeMemory memory = new FakeMemory(Map.of(0, new GpuMemory.Usage(1_000L, 8_000L)));
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new GpuMemoryMetrics(memory).bindTo(registry);

		double before = registry.get("kiln.worker.gpu.memory.used").tag("device", "gpu(0)").gauge().value();
		memory.usage = Map.of(0, new GpuMemory.Usage(5_000L, 8_000L));
		double after = registry.get("kiln.worker.gpu.memory.used").tag("device", "gpu(0)").gauge().value();

		assertThat(before).isEqualTo(1_000.0);
		assertThat(after).isEqualTo(5_000.0);
		assertThat(memory.reads).containsExactly(0, 0);
	}

	@Test
	void aFailedReadIsNaNNotAFailedScrape() {
		FakeMemory memory = new FakeMemory(Map.of(0, new GpuMemory.Usage(1_000L, 8_000L)));
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new GpuMemoryMetrics(memory).bindTo(registry);
		memory.usage = Map.of();

		assertThat(registry.get("kiln.worker.gpu.memory.total").tag("device", "gpu(0)").gauge().value()).isNaN();
	}

	@Test
	void registersNothingWithoutACudaDevice() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();

		new GpuMemoryMetrics(new FakeMemory(Map.of())).bindTo(registry);

		assertThat(registry.find("kiln.worker.gpu.memory.used").meters()).isEmpty();
		assertThat(registry.find("kiln.worker.gpu.memory.total").meters()).isEmpty();
	}

	@Test
	void registersNothingWhenCountingDevicesFails() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		GpuMemory broken = new FakeMemory(Map.of()) {

			@Override
			public int gpuCount() {
				throw new UnsatisfiedLinkError("libcudart.so: cannot open shared object file");
			}

		};

		new GpuMemoryMetrics(broken).bindTo(registry);

		assertThat(registry.getMeters()).isEmpty();
	}

	@Test
	void djlsCudaUtilsSeeNoDeviceOnAMachineWithoutAnNvidiaGpu() {
		assumeThat(Files.exists(Path.of("/dev/nvidia0"))).as("a machine without an NVIDIA GPU").isFalse();
		SimpleMeterRegistry registry = new SimpleMeterRegistry();

		new GpuMemoryMetrics(GpuMemory.cuda()).bindTo(registry);

		assertThat(GpuMemory.cuda().gpuCount()).isZero();
		assertThat(registry.getMeters()).isEmpty();
	}

	private static class FakeMemory implements GpuMemory {

		Map<Integer, Usage> usage;

		final List<Integer> reads = new ArrayList<>();

		private final int count;

		FakeMemory(Map<Integer, Usage> usage) {
			this.usage = usage;
			this.count = usage.size();
		}

		@Override
		public int gpuCount() {
			return this.count;
		}

		@Override
		public Usage usage(int device) {
			this.reads.add(device);
			Usage found = this.usage.get(device);
			if (found == null) {
				throw new IllegalStateException("CUDA API call failed: no device " + device);
			}
			return found;
		}

	}

}
