package dev.kiln.worker.device;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;

/** What the libtorch DJL loaded can render on. */
public interface Libtorch {

	/** CUDA devices libtorch can use; 0 for a CPU-only build or when no CUDA driver and device are reachable. */
	int gpuCount();

	/** Which libtorch it is, for people: version, flavour and where it was loaded from. */
	String description();

	/** The libtorch of DJL's PyTorch engine (loading it if it is not yet). */
	static Libtorch djl() {
		return new Libtorch() {

			@Override
			public int gpuCount() {
				return Engine.getEngine("PyTorch").getGpuCount();
			}

			@Override
			public String description() {
				Engine engine = Engine.getEngine("PyTorch");
				String flavor = System.getenv("PYTORCH_FLAVOR");
				return "PyTorch " + engine.getVersion() + " ("
						+ ((flavor != null) ? "PYTORCH_FLAVOR=" + flavor : "flavour of the bundled native jar") + ") from "
						+ libraryPath();
			}

		};
	}

	private static String libraryPath() {
		try {
			return LibUtils.getLibtorchPath();
		}
		catch (RuntimeException ex) {
			return "an unknown folder (" + ex + ")";
		}
	}

}
