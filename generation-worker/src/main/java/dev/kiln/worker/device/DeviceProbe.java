package dev.kiln.worker.device;

import java.io.PrintStream;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A check of an image on a GPU machine without the rest of Kiln: prints what the container was given and what
 * libtorch sees, multiplies two matrices on {@code gpu(0)}, and exits 0 only when that worked. Run in the GPU image:
 *
 * <pre>
 * docker run --rm --gpus all --entrypoint java kiln/generation-worker-cu128:TAG \
 *     -cp '/app/resources:/app/classes:/app/libs/*' dev.kiln.worker.device.DeviceProbe
 * </pre>
 */
public final class DeviceProbe {

	private DeviceProbe() {
	}

	public static void main(String[] args) {
		System.exit(run(System.out, NvidiaDevices.host(), Libtorch.djl()));
	}

	/**
	 * Probes and reports.
	 * @param out where the report goes
	 * @param nvidia the container's NVIDIA evidence
	 * @param libtorch the loaded libtorch
	 * @return 0 when a computation ran on {@code gpu(0)}, 1 otherwise
	 */
	static int run(PrintStream out, NvidiaDevices nvidia, Libtorch libtorch) {
		out.println("NVIDIA GPU given to the container: " + (nvidia.visible().isEmpty() ? "none" : nvidia.visible()));
		out.println("libtorch: " + libtorch.description());
		int gpus = libtorch.gpuCount();
		out.println("CUDA devices libtorch sees: " + gpus);
		if (gpus == 0) {
			out.println("FAIL: no CUDA device: a CPU-only libtorch, no GPU given, or an NVIDIA driver older than the "
					+ "image's CUDA needs (12.8: driver 570 or newer)");
			return 1;
		}
		try (NDManager manager = NDManager.newBaseManager(Device.gpu(), "PyTorch")) {
			NDArray ones = manager.ones(new Shape(64, 64));
			float sum = ones.matMul(ones).sum().getFloat();
			if (sum != 64f * 64 * 64) {
				out.println("FAIL: a 64x64 matrix product on gpu(0) summed to " + sum + ", not " + (64 * 64 * 64));
				return 1;
			}
			out.println("OK: a 64x64 matrix product ran on " + ones.getDevice());
			return 0;
		}
		catch (RuntimeException ex) {
			out.println("FAIL: computing on gpu(0): " + ex);
			return 1;
		}
	}

}
