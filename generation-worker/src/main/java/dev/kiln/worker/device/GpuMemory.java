package dev.kiln.worker.device;

import java.lang.management.MemoryUsage;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

/** The memory of the CUDA devices this process can see, as the CUDA runtime reports it. */
interface GpuMemory {

	/** CUDA devices the process can see; 0 on a machine without a CUDA runtime or device. */
	int gpuCount();

	/**
	 * The memory of one device, read afresh.
	 * @param device the CUDA device index, from 0 to {@link #gpuCount()} - 1
	 * @return bytes in use (by any process) and in total
	 */
	Usage usage(int device);

	/**
	 * One device's memory.
	 *
	 * @param usedBytes bytes in use on the device, by this and any other process
	 * @param totalBytes the device's memory
	 */
	record Usage(long usedBytes, long totalBytes) {
	}

	/**
	 * DJL's CUDA utilities: {@code cudaGetDeviceCount} and {@code cudaMemGetInfo} through the CUDA runtime
	 * ({@code libcudart}) that JNA finds on the library path. Without one, {@link CudaUtils#getGpuCount()} is 0.
	 */
	static GpuMemory cuda() {
		return new GpuMemory() {

			@Override
			public int gpuCount() {
				return CudaUtils.getGpuCount();
			}

			@Override
			public Usage usage(int device) {
				// used = total - free as cudaMemGetInfo reports them; max = total
				MemoryUsage memory = CudaUtils.getGpuMemory(Device.gpu(device));
				return new Usage(memory.getUsed(), memory.getMax());
			}

		};
	}

}
