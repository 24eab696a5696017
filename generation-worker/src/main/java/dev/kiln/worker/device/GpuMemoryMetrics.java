package dev.kiln.worker.device;

import java.util.function.ToLongFunction;

import ai.djl.Device;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPU memory per CUDA device, as gauges read at each scrape: {@code kiln_worker_gpu_memory_used_bytes{device}} (in
 * use by any process, so it includes what libtorch's caching allocator holds but does not use) and
 * {@code kiln_worker_gpu_memory_total_bytes{device}}; {@code device} is DJL's name, {@code gpu(0)}, as on
 * {@code kiln_worker_render_seconds}. A machine without CUDA devices registers no gauge. A read that fails (the
 * driver went away) reports NaN rather than failing the scrape.
 */
class GpuMemoryMetrics implements MeterBinder {

	private static final Logger logger = LoggerFactory.getLogger(GpuMemoryMetrics.class);

	private final GpuMemory memory;

	GpuMemoryMetrics(GpuMemory memory) {
		this.memory = memory;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		int gpus = gpuCount();
		if (gpus == 0) {
			logger.debug("No CUDA device seen through the CUDA runtime: no GPU memory gauges");
			return;
		}
		for (int device = 0; device < gpus; device++) {
			gauge(registry, "kiln.worker.gpu.memory.used", "GPU memory in use on the device, by any process", device,
					GpuMemory.Usage::usedBytes);
			gauge(registry, "kiln.worker.gpu.memory.total", "GPU memory of the device", device,
					GpuMemory.Usage::totalBytes);
		}
		logger.info("GPU memory gauges registered for {} CUDA device(s)", gpus);
	}

	private int gpuCount() {
		try {
			return this.memory.gpuCount();
		}
		catch (RuntimeException | LinkageError ex) {
			logger.warn("Could not count CUDA devices; no GPU memory gauges: {}", ex.toString());
			return 0;
		}
	}

	private void gauge(MeterRegistry registry, String name, String description, int device,
			ToLongFunction<GpuMemory.Usage> value) {
		Gauge.builder(name, this.memory, (memory) -> read(memory, device, value))
			.description(description)
			.baseUnit("bytes")
			.tag("device", Device.gpu(device).toString())
			.strongReference(true)
			.register(registry);
	}

	private static double read(GpuMemory memory, int device, ToLongFunction<GpuMemory.Usage> value) {
		try {
			return value.applyAsLong(memory.usage(device));
		}
		catch (RuntimeException ex) {
			logger.debug("Could not read the memory of gpu({}): {}", device, ex.toString());
			return Double.NaN;
		}
	}

}
