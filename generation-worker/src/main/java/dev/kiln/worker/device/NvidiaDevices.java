package dev.kiln.worker.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Evidence that the container was given an NVIDIA GPU, independent of libtorch: the device nodes the NVIDIA container
 * runtime mounts ({@code /dev/nvidia0}, {@code /dev/nvidia1}, ...) and the {@code NVIDIA_VISIBLE_DEVICES} variable it
 * acts on when it names devices (the device plugin sets the ids or UUIDs of a pod's {@code nvidia.com/gpu}
 * allocation; {@code all}, which CUDA base images set, proves nothing).
 */
@FunctionalInterface
public interface NvidiaDevices {

	/**
	 * What shows that an NVIDIA GPU is there, for example {@code [/dev/nvidia0, NVIDIA_VISIBLE_DEVICES=GPU-1a2b]};
	 * empty when nothing does.
	 */
	List<String> visible();

	/** This host: {@code /dev} and the process environment. */
	static NvidiaDevices host() {
		return of(Path.of("/dev"), System.getenv());
	}

	/**
	 * The evidence in a device folder and an environment.
	 * @param dev the folder holding the device nodes, normally {@code /dev}
	 * @param environment the environment variables
	 * @return the evidence, read afresh on each call
	 */
	static NvidiaDevices of(Path dev, Map<String, String> environment) {
		return () -> {
			List<String> seen = new ArrayList<>();
			if (Files.isDirectory(dev)) {
				try (Stream<Path> nodes = Files.list(dev)) {
					nodes.filter((node) -> node.getFileName().toString().matches("nvidia\\d+"))
						.sorted()
						.forEach((node) -> seen.add(node.toString()));
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
			String visible = environment.get("NVIDIA_VISIBLE_DEVICES");
			// "all" is what CUDA base images set whether or not a GPU is there (a real allocation names device ids
			// or UUIDs, and mounts the device nodes above); "void" and "none" ask the runtime for no GPU
			if (visible != null && !visible.isBlank()
					&& !List.of("all", "void", "none").contains(visible.strip().toLowerCase(Locale.ROOT))) {
				seen.add("NVIDIA_VISIBLE_DEVICES=" + visible.strip());
			}
			return List.copyOf(seen);
		};
	}

}
