package dev.kiln.worker.device;

import java.util.List;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.model.ServedModel;

/**
 * Where the worker renders and whether that matches what the node offers.
 *
 * @param type {@code gpu} when a model renders on a CUDA device, {@code none} when only no-op models are served (no
 * libtorch), else {@code cpu}
 * @param gpus CUDA devices libtorch sees
 * @param nvidia what shows that an NVIDIA GPU was given to the container (empty: none)
 * @param mismatch an NVIDIA GPU is visible, libtorch sees none, and a model with {@code device=auto} therefore
 * renders on the CPU
 * @param cpuModels the models that render on the CPU although they asked for {@code auto}
 * @param libtorch which libtorch was loaded
 */
record DeviceReport(String type, int gpus, List<String> nvidia, boolean mismatch, List<String> cpuModels,
		String libtorch) {

	/**
	 * Looks at the loaded models, the container and libtorch.
	 * @param models the models served
	 * @param nvidia the container's NVIDIA evidence
	 * @param libtorch the loaded libtorch
	 * @return the report
	 */
	static DeviceReport of(List<ServedModel> models, NvidiaDevices nvidia, Libtorch libtorch) {
		List<String> seen = nvidia.visible();
		if (models.stream().allMatch((model) -> model.config().type() == WorkerProperties.ModelType.NOOP)) {
			// no model needs libtorch: do not load it just to ask
			return new DeviceReport("none", 0, seen, false, List.of(), "not loaded: only no-op models are served");
		}
		boolean onGpu = models.stream().anyMatch((model) -> model.generator().device().startsWith("gpu"));
		int gpus = libtorch.gpuCount();
		List<String> cpuModels = models.stream()
			.filter((model) -> model.config().type() != WorkerProperties.ModelType.NOOP)
			.filter((model) -> "auto".equals(model.config().device()))
			.filter((model) -> model.generator().device().startsWith("cpu"))
			.map(ServedModel::id)
			.toList();
		boolean mismatch = !seen.isEmpty() && gpus == 0 && !cpuModels.isEmpty();
		return new DeviceReport(onGpu ? "gpu" : "cpu", gpus, seen, mismatch, mismatch ? cpuModels : List.of(),
				libtorch.description());
	}

	/** What is wrong and what to do, for the log and the health details; only for a mismatch. */
	String problem() {
		return "An NVIDIA GPU is visible to this container (" + String.join(", ", this.nvidia)
				+ ") but libtorch sees no CUDA device, so models " + this.cpuModels + " (device=auto) render on the "
				+ "CPU, many times slower. Loaded: " + this.libtorch + ". Either the image carries a CPU-only libtorch "
				+ "(run the GPU image, see generation-worker/README.md) or its CUDA libtorch cannot use this node's "
				+ "driver (CUDA 12.8 needs driver 570 or newer). Set kiln.worker.device=gpu to refuse to start instead.";
	}

}
