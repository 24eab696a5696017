package dev.kiln.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The exported-TorchScript stand-in model: small seeded torch modules with Stable Diffusion 1.x's call signatures,
 * exported by {@code tools/export-model} ({@code tests/standins.py}) the way the generation worker's build does for
 * its round-trip tests. It exercises the whole TorchScript path (CLIP tokenizer, text encoder, UNet with
 * classifier-free guidance, PNDM, VAE decoder) at a tiny fraction of Stable Diffusion's cost: its figures say what
 * Kiln's code and DJL cost around a TorchScript model, not what Stable Diffusion costs.
 */
final class StandinModel {

	/** Where the export goes, under the benchmarks module's build directory (the harness runs in the repo root). */
	static final Path OUT = Path.of("benchmarks/target/standin-sd1");

	private StandinModel() {
	}

	/**
	 * Exports the stand-in (once per run) with {@code /usr/bin/python3} (or {@code -Dkiln.python}), which needs
	 * PyTorch.
	 * @return the exported model folder (with {@code kiln-model.json})
	 */
	static Path export() throws IOException, InterruptedException {
		Path model = OUT.resolve("model");
		if (Files.isRegularFile(model.resolve("kiln-model.json"))) {
			return model.toAbsolutePath();
		}
		String python = System.getProperty("kiln.python", "/usr/bin/python3");
		ProcessBuilder builder = new ProcessBuilder(python, "tests/standins.py", OUT.toAbsolutePath().toString())
			.directory(Path.of("tools/export-model").toFile())
			.redirectErrorStream(true);
		builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes());
		if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
			throw new IllegalStateException("Exporting the stand-in model failed: " + output);
		}
		Report.progress("exported the TorchScript stand-in to %s", model.toAbsolutePath());
		return model.toAbsolutePath();
	}

}
