package dev.kiln.benchmarks;

import java.util.List;
import java.util.Map;

/**
 * {@code --batching}: dynamic batching against batch 1 through a real worker ({@link BatchingBenchmark}) and the
 * seconds per step of the exported TorchScript stand-in beside the built-in model ({@link StepTimeBenchmark}), in one
 * run; printed as Markdown for the hand-run section of {@code BENCHMARKS.md}, never written into the generated one.
 */
final class BatchingReport {

	private BatchingReport() {
	}

	/**
	 * Runs both benchmarks.
	 * @param machine the machine's description
	 * @param options the command line: {@code --quick}; for a GPU (see BENCHMARKS.md) {@code --device gpu},
	 * {@code --sd-model DIR} (an exported Stable Diffusion folder instead of the stand-in), {@code --sd-size N}
	 * (square job size for it, default 64, the stand-in's) and {@code --sd-steps N} (default 20)
	 * @return the Markdown
	 */
	static String run(String machine, List<String> options) throws Exception {
		boolean quick = options.contains("--quick");
		String device = option(options, "--device", "cpu");
		String sdModel = option(options, "--sd-model", "");
		int sdSize = Integer.parseInt(option(options, "--sd-size", "64"));
		int sdSteps = Integer.parseInt(option(options, "--sd-steps", "20"));
		int backlog = 64;
		int rounds = quick ? 1 : 2;
		int stepRepeats = quick ? 2 : 5;
		int steps = 10;
		Map<String, BatchingBenchmark.Shape> shapes = new java.util.LinkedHashMap<>();
		shapes.put(BatchingBenchmark.BUILTIN, new BatchingBenchmark.Shape(256, 256, 20));
		shapes.put(BatchingBenchmark.STANDIN, new BatchingBenchmark.Shape(sdSize, sdSize, sdSteps));
		java.nio.file.Path exported = sdModel.isEmpty() ? StandinModel.export() : java.nio.file.Path.of(sdModel)
			.toAbsolutePath();
		List<Integer> sizes = sdModel.isEmpty() ? List.of(64, 256) : List.of(sdSize);
		Map<String, Map<String, List<Double>>> stepTimes = new StepTimeBenchmark(steps, stepRepeats, exported, device,
				sizes).run();
		Map<String, Map<String, List<BatchingBenchmark.Drain>>> drains = new BatchingBenchmark(backlog, rounds, shapes,
				exported, device).run();
		String loadAfter = load();

		StringBuilder md = new StringBuilder();
		md.append("Device: `").append(device).append("`; SD model: ")
			.append(sdModel.isEmpty() ? "the exported TorchScript stand-in (`tools/export-model/tests/standins.py`)"
					: "`" + sdModel + "`")
			.append(". Machine: ").append(machine).append("; 1-min load average at the end ").append(loadAfter)
			.append(".\n\n");
		md.append("**Worker throughput under a backlog of %d jobs** (standard lane, one image per job; ".formatted(backlog)
				+ "%d round(s) per mode, modes alternating; images/s from the first send to an empty queue):\n\n"
					.formatted(rounds));
		md.append("| model, job | batch 1 images/s | dynamic batching images/s | ratio | mean batch (dynamic) |\n");
		md.append("|---|---|---|---|---|\n");
		for (Map.Entry<String, Map<String, List<BatchingBenchmark.Drain>>> model : drains.entrySet()) {
			BatchingBenchmark.Shape shape = shapes.get(model.getKey());
			List<BatchingBenchmark.Drain> one = model.getValue().get(BatchingBenchmark.MODES.get(0));
			List<BatchingBenchmark.Drain> dynamic = model.getValue().get(BatchingBenchmark.MODES.get(1));
			double a = Stats.of(one.stream().map(BatchingBenchmark.Drain::imagesPerSecond).toList()).p50();
			double b = Stats.of(dynamic.stream().map(BatchingBenchmark.Drain::imagesPerSecond).toList()).p50();
			double batch = dynamic.stream().mapToDouble(BatchingBenchmark.Drain::meanBatch).average().orElse(Double.NaN);
			md.append("| %s, %d×%d, %d steps | %s (rounds: %s) | %s (rounds: %s) | %.2f | %.2f |\n".formatted(
					model.getKey(), shape.width(), shape.height(), shape.steps(), Stats.f(a), rounds(one), Stats.f(b),
					rounds(dynamic), b / a, batch));
		}
		md.append("\n**Seconds per step, generator called directly** (%d steps per render, median of %d; "
			.formatted(steps, stepRepeats) + "a step of the whole pass, per-render costs spread over the steps):\n\n");
		md.append("| case | ");
		md.append(String.join(" s/step | ", StepTimeBenchmark.MODELS)).append(" s/step |\n|---|");
		md.append("---|".repeat(StepTimeBenchmark.MODELS.size())).append("\n");
		for (String c : StepTimeBenchmark.cases(sizes)) {
			md.append("| ").append(c).append(" |");
			for (String model : StepTimeBenchmark.MODELS) {
				Map<String, List<Double>> cases = stepTimes.get(model);
				List<Double> values = cases.get(c);
				if (values == null) {
					String refused = cases.keySet().stream().filter((k) -> k.startsWith(c + " refused")).findFirst()
						.orElse("not run");
					md.append(" ").append(refused.replace("|", "/")).append(" |");
				}
				else {
					md.append(" %.4f |".formatted(Stats.of(values).p50()));
				}
			}
			md.append("\n");
		}
		return md.toString();
	}

	private static String option(List<String> options, String name, String fallback) {
		int at = options.indexOf(name);
		return (at >= 0 && at + 1 < options.size()) ? options.get(at + 1) : fallback;
	}

	private static String rounds(List<BatchingBenchmark.Drain> drains) {
		return String.join(", ", drains.stream().map((d) -> Stats.f(d.imagesPerSecond())).toList());
	}

	private static String load() {
		try {
			return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
		}
		catch (java.io.IOException | RuntimeException ex) {
			return "unknown";
		}
	}

}
