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
import dev.kiln.worker.render.ImageGenerator;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderMonitor;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.StepListener;
import dev.kiln.worker.render.sd.StableDiffusionGenerator;

/**
 * Seconds per step on the CPU, the generator called directly (as {@link RenderBenchmark} does): the exported
 * TorchScript stand-in ({@link StandinModel}) beside the built-in model, at 64² and 256², batch 1 and batch 4 (four
 * requests in one pass). A step is one denoising step of the whole pass; the time is the render's (prompt encoding,
 * every step, decoding and PNG encoding) divided by its steps, so it includes the per-render costs spread over the
 * steps. Cases alternate order between repeats after two warm-up renders each.
 */
final class StepTimeBenchmark {

	static final List<String> MODELS = List.of("exported TorchScript", "built-in");

	private final int steps;

	private final int repeats;

	private final Path standin;

	private final String device;

	private final List<String> cases;

	/**
	 * @param steps steps per render
	 * @param repeats measured renders per case
	 * @param model the exported model folder (the stand-in, or a real export on a GPU machine)
	 * @param device {@code cpu} or {@code gpu}
	 * @param sizes square sizes to render, each at batch 1 and 4
	 */
	StepTimeBenchmark(int steps, int repeats, Path model, String device, List<Integer> sizes) {
		this.steps = steps;
		this.repeats = repeats;
		this.standin = model;
		this.device = device;
		this.cases = cases(sizes);
	}

	/** The case names of these sizes: {@code "64² batch 1"}, {@code "64² batch 4"}, ... */
	static List<String> cases(List<Integer> sizes) {
		List<String> cases = new ArrayList<>();
		for (int size : sizes) {
			cases.add(size + "² batch 1");
			cases.add(size + "² batch 4");
		}
		return cases;
	}

	/**
	 * Runs every case of both models.
	 * @return seconds per step, by model and case; a case the model refused has no values and its reason under
	 * {@code "<model> <case> refused"} as the key of an empty list
	 */
	Map<String, Map<String, List<Double>>> run() throws Exception {
		Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
		Path builtin = BuiltinGenerator.materialize(Files.createTempDirectory("kiln-bench-step"));
		Device on = this.device.equals("gpu") ? Device.gpu() : Device.cpu();
		try (ImageGenerator standin = StableDiffusionGenerator.load(this.standin, "standin", on, null);
				ImageGenerator model = BuiltinGenerator.load(builtin, "kiln-builtin", on)) {
			Map<String, ImageGenerator> generators = Map.of(MODELS.get(0), standin, MODELS.get(1), model);
			for (String name : MODELS) {
				Map<String, List<Double>> cases = new LinkedHashMap<>();
				for (String c : this.cases) {
					try {
						render(generators.get(name), c);
						render(generators.get(name), c);
						cases.put(c, new ArrayList<>());
					}
					catch (RuntimeException ex) {
						Report.progress("%s %s refused: %s", name, c, ex.getMessage());
						cases.put(c + " refused: " + ex.getMessage(), List.of());
					}
				}
				results.put(name, cases);
			}
			for (int r = 0; r < this.repeats; r++) {
				List<String> order = new ArrayList<>(this.cases);
				if (r % 2 == 1) {
					Collections.reverse(order);
				}
				for (String c : order) {
					for (String name : MODELS) {
						List<Double> values = results.get(name).get(c);
						if (values != null) {
							values.add(render(generators.get(name), c));
						}
					}
				}
				Report.progress("step time repeat %d/%d", r + 1, this.repeats);
			}
		}
		return results;
	}

	/** One render of the case; seconds per step. */
	private double render(ImageGenerator generator, String name) {
		int size = Integer.parseInt(name.substring(0, name.indexOf('²')));
		int batch = name.endsWith("4") ? 4 : 1;
		List<RenderRequest> requests = new ArrayList<>();
		List<@Nullable RenderCheckpoint> fresh = new ArrayList<>();
		for (int i = 0; i < batch; i++) {
			requests.add(new RenderRequest("a lighthouse at dusk", null, size, size, this.steps, 7.5, 42 + i, 1));
			fresh.add(null);
		}
		long begin = System.nanoTime();
		generator.render(requests, fresh, RenderMonitor.of(StepListener.NONE));
		return (System.nanoTime() - begin) / 1e9 / this.steps;
	}

}
