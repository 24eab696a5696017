package dev.kiln.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.Device;
import org.jspecify.annotations.Nullable;

import dev.kiln.worker.render.BuiltinGenerator;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderMonitor;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.StepListener;

/**
 * The built-in model on the CPU: images per second at 256² and 512², batch 1 (one request) and batch 4 (four
 * requests rendered together, one forward pass per step over all four), in alternating order; also the time of the
 * 64×64, 1-step render the end-to-end benchmark uses.
 */
final class RenderBenchmark {

	static final List<String> CASES = List.of("256² batch 1", "256² batch 4", "512² batch 1", "512² batch 4");

	private final int steps;

	private final int repeats;

	RenderBenchmark(int steps, int repeats) {
		this.steps = steps;
		this.repeats = repeats;
	}

	/**
	 * Runs the cases.
	 * @return images per second per case, plus "64² 1 step" in milliseconds per image
	 */
	Map<String, List<Double>> run() throws Exception {
		Path directory = Files.createTempDirectory("kiln-bench-model");
		Map<String, List<Double>> results = new LinkedHashMap<>();
		try (BuiltinGenerator generator = BuiltinGenerator.load(BuiltinGenerator.materialize(directory),
				"kiln-builtin", Device.cpu())) {
			List<Double> tiny = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				long begin = System.nanoTime();
				generator.render(new RenderRequest("a red fox", null, 64, 64, 1, 7.5, i, 1), StepListener.NONE);
				if (i >= 20) {
					tiny.add((System.nanoTime() - begin) / 1e6);
				}
			}
			results.put("64² 1 step (ms per image)", tiny);
			for (String name : CASES) {
				results.put(name, new ArrayList<>());
				// warm-up: PyTorch's graph executor profiles the first calls of every input shape
				render(generator, name);
				render(generator, name);
			}
			for (int r = 0; r < this.repeats; r++) {
				List<String> order = new ArrayList<>(CASES);
				if (r % 2 == 1) {
					Collections.reverse(order);
				}
				for (String name : order) {
					results.get(name).add(render(generator, name));
				}
				Report.progress("render repeat %d/%d", r + 1, this.repeats);
			}
		}
		return results;
	}

	private double render(BuiltinGenerator generator, String name) {
		int size = name.startsWith("512") ? 512 : 256;
		int batch = name.endsWith("4") ? 4 : 1;
		List<RenderRequest> requests = new ArrayList<>();
		List<@Nullable RenderCheckpoint> fresh = new ArrayList<>();
		for (int i = 0; i < batch; i++) {
			requests.add(new RenderRequest("a lighthouse at dusk", null, size, size, this.steps, 7.5, 42 + i, 1));
			fresh.add(null);
		}
		long begin = System.nanoTime();
		generator.render(requests, fresh, RenderMonitor.of(StepListener.NONE));
		return batch / ((System.nanoTime() - begin) / 1e9);
	}

}
