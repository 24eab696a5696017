package dev.kiln.worker.device;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The real sources of device facts; tests replace them. */
@Configuration(proxyBeanMethods = false)
class DeviceConfiguration {

	@Bean
	NvidiaDevices nvidiaDevices() {
		return NvidiaDevices.host();
	}

	@Bean
	Libtorch libtorch() {
		return Libtorch.djl();
	}

	@Bean
	GpuMemory gpuMemory() {
		return GpuMemory.cuda();
	}

	@Bean
	GpuMemoryMetrics gpuMemoryMetrics(GpuMemory gpuMemory) {
		return new GpuMemoryMetrics(gpuMemory);
	}

}
