package dev.kiln.advisor.simulator;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.contract.Lane;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatorTests {

	private static final List<String> ALL = AdvisorProperties.POLICIES;

	private final Simulator simulator = new Simulator(Map.of(), ClusterModel.defaults());

	@Test
	void sameSeedSameResult() {
		Trace trace = TraceGenerator.generate("wan22", 1, 7);
		assertThat(TraceGenerator.generate("wan22", 1, 7)).isEqualTo(trace);
		List<SimulationResult> first = this.simulator.run(trace, ALL, 7);
		List<SimulationResult> second = this.simulator.run(trace, ALL, 7);
		assertThat(second).isEqualTo(first);
		assertThat(first).extracting(SimulationResult::policy).containsExactlyElementsOf(ALL);
	}

	@Test
	void anotherSeedAnotherTrace() {
		assertThat(TraceGenerator.generate("bursty", 1, 1).jobs())
			.isNotEqualTo(TraceGenerator.generate("bursty", 1, 2).jobs());
	}

	@Test
	void generatorsProduceTheirShape() {
		Trace wan = TraceGenerator.generate("wan22", 3, 1);
		assertThat(wan.jobs()).allSatisfy((job) -> assertThat(job.lane()).isEqualTo(Lane.BATCH));
		assertThat(wan.jobs().size()).isBetween(500, 700);
		Trace diurnal = TraceGenerator.generate("diurnal", 1, 1);
		long night = diurnal.jobs().stream().filter((job) -> job.atSeconds() < 6 * 3600).count();
		long afternoon = diurnal.jobs()
			.stream()
			.filter((job) -> job.atSeconds() >= 12 * 3600 && job.atSeconds() < 18 * 3600)
			.count();
		assertThat(afternoon).isGreaterThan(3 * night);
	}

	@Test
	void oneInteractiveJobWaitsForAColdStartAndTheLaneScalesBackToZero() {
		Trace trace = new Trace("one", TraceGenerator.START, List.of(new TraceJob(10, Lane.INTERACTIVE, 0, 4)));
		SimulationResult result = this.simulator.run(trace, List.of("queue-length"), 1).get(0);
		assertThat(result.waits().get(Lane.INTERACTIVE)).singleElement()
			.satisfies((wait) -> assertThat(wait).isBetween(60.0, 600.0));
		assertThat(result.cost()).isPositive();
		assertThat(result.scaleEvents()).isEqualTo(2);
		assertThat(result.series().get(result.series().size() - 1).replicas()).isZero();
		// KEDA's 300 s cooldown is paid for: more than the cold start and the render
		assertThat(result.idleGpuHours() * 3600).isGreaterThan(300);
	}

	@Test
	void theDeadlinePolicyHoldsBatchWorkAndStillMeetsItsDeadlines() {
		List<TraceJob> jobs = new java.util.ArrayList<>();
		for (int i = 0; i < 50; i++) {
			jobs.add(new TraceJob(i * 60, Lane.BATCH, 8 * 3600, 10));
		}
		Trace trace = new Trace("held", TraceGenerator.START, jobs);
		List<SimulationResult> results = this.simulator.run(trace, List.of("queue-length", "deadline"), 1);
		SimulationResult queueLength = results.get(0);
		SimulationResult deadline = results.get(1);
		assertThat(deadline.totalMisses()).isZero();
		assertThat(deadline.waitPercentile(Lane.BATCH, 50)).isGreaterThan(3600);
		assertThat(deadline.cost()).isLessThan(queueLength.cost() / 2);
		assertThat(deadline.spotGpuHours()).isPositive();
	}

	@Test
	void spotInterruptionsPutJobsBackWithoutLosingThem() {
		ClusterModel stormy = new ClusterModel(Duration.ofSeconds(150), 0.25, Duration.ofSeconds(60), 20,
				Duration.ofMinutes(2), 1.006, 0.35, 0.22, Duration.ofMinutes(1), Duration.ofDays(2));
		List<TraceJob> jobs = new java.util.ArrayList<>();
		for (int i = 0; i < 40; i++) {
			jobs.add(new TraceJob(i * 30, Lane.BATCH, 2 * 3600, 200));
		}
		SimulationResult result = new Simulator(Map.of(), stormy)
			.run(new Trace("stormy", TraceGenerator.START, jobs), List.of("deadline"), 3)
			.get(0);
		assertThat(result.interruptions()).isPositive();
		assertThat(result.waits().get(Lane.BATCH)).hasSize(40);
	}

	@Test
	void writesMarkdownCsvAndAChart(@TempDir Path dir) throws Exception {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		int code = new SimulatorCommand(new PrintStream(out, true, StandardCharsets.UTF_8)).run(new String[] {
				"simulate", "--generate", "wan22", "--days", "1", "--seed", "5", "--policies",
				"queue-length,deadline", "--out", dir.toString() });
		assertThat(code).isZero();
		assertThat(Files.readString(dir.resolve("wan22-results.md"))).contains("| wan22 | queue-length |")
			.contains("| wan22 | deadline |");
		List<String> csv = Files.readAllLines(dir.resolve("wan22-results.csv"));
		assertThat(csv.get(0)).startsWith("trace,policy,jobs,cost_usd,usd_per_million,gpu_hours");
		assertThat(csv).hasSize(3);
		for (String row : csv.subList(1, 3)) {
			String[] cells = row.split(",");
			double jobs = Double.parseDouble(cells[2]);
			double cost = Double.parseDouble(cells[3]);
			assertThat(jobs).isPositive();
			assertThat(Double.parseDouble(cells[4])).as("$ per 1M images of %s", cells[1])
				// both columns are printed to 4 decimals: the cost's rounding, scaled up to a million images
				.isCloseTo(cost / jobs * 1_000_000, Offset.offset(0.00005 * 1_000_000 / jobs + 0.0001));
		}
		byte[] png = Files.readAllBytes(dir.resolve("wan22-chart.png"));
		assertThat(png).startsWith(0x89, 'P', 'N', 'G');
		Trace replayed = Trace.read(dir.resolve("wan22-trace.csv"), TraceGenerator.START);
		assertThat(replayed.jobs()).hasSize(TraceGenerator.generate("wan22", 1, 5).jobs().size());
	}

	@Test
	void rejectsBadOptions() {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		SimulatorCommand command = new SimulatorCommand(new PrintStream(out, true, StandardCharsets.UTF_8));
		assertThat(command.run(new String[] { "simulate", "--frobnicate", "1" })).isEqualTo(2);
		assertThat(command.run(new String[] { "simulate", "--generate", "wan22", "--policies", "magic" }))
			.isEqualTo(2);
		assertThat(out.toString(StandardCharsets.UTF_8)).contains("Unknown option --frobnicate")
			.contains("Unknown policy 'magic'")
			.contains("usage:");
	}

}
