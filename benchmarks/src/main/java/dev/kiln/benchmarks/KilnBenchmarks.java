package dev.kiln.benchmarks;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.core.StringRedisTemplate;

import dev.kiln.jobstore.JobStore;

/**
 * Runs every benchmark side by side in one run, prints the figures and rewrites the generated section of
 * {@code BENCHMARKS.md}.
 *
 * <pre>
 * ./mvnw -B -Pbenchmarks -pl benchmarks -am process-classes            # full run, writes BENCHMARKS.md
 * ./mvnw -B -Pbenchmarks -pl benchmarks -am process-classes -Dkiln.bench.args=quick
 * ./mvnw -B -Pbenchmarks -pl benchmarks -am process-classes -Dkiln.bench.args=end-to-end
 * </pre>
 *
 * Options: {@code --quick} (fewer rounds and samples, a smoke run), {@code --batching} (dynamic batching vs batch 1
 * through a worker, and the exported TorchScript model's seconds per step; printed, see {@link BatchingReport}),
 * {@code --end-to-end}, {@code --accept} and
 * {@code --scale-signal} (only the end-to-end overhead, only gateway accept vs raw SQS, or only the scale signal with
 * and without waking on arrivals, printed and never written: for tuning),
 * {@code --out FILE} (default {@code BENCHMARKS.md} in the
 * working directory), {@code --no-write}.
 */
public final class KilnBenchmarks {

	private static final String E2E_KEY = "kiln_bench_e2e_0123456789abcdef";

	/** Accept benchmark: concurrent clients, one tenant each. */
	private static final int CONCURRENCY = 16;

	/** Accept benchmark: requests per round and measured rounds per side of a full run. */
	private static final int PER_ROUND = 2000;

	private static final int ROUNDS = 5;

	private KilnBenchmarks() {
	}

	public static void main(String[] args) throws Exception {
		List<String> options = List.of(args);
		boolean quick = options.contains("--quick");
		Path out = Path.of(options.contains("--out") ? options.get(options.indexOf("--out") + 1) : "BENCHMARKS.md");
		String machine = Report.machine();
		Report.progress("machine: %s", machine);
		if (options.contains("--end-to-end")) {
			StringBuilder md = new StringBuilder();
			// alone, the JVM is cold (a full run comes here after minutes of other work): warm up longer
			appendEndToEnd(md, endToEnd(300, 50));
			System.out.println();
			System.out.println(md);
			System.exit(0);
		}
		if (options.contains("--scale-signal")) {
			StringBuilder md = new StringBuilder();
			appendScaleSignal(md, scaleSignal(20));
			System.out.println();
			System.out.println(md);
			System.exit(0);
		}
		if (options.contains("--batching")) {
			// dynamic batching vs batch 1 through a worker, and TorchScript s/step; printed, for a hand-run section
			System.out.println();
			System.out.println(BatchingReport.run(machine, options));
			System.exit(0);
		}
		if (options.contains("--accept")) {
			// a warm-up round, then the full run's rounds; not written
			Map<String, String> keys = clientKeys();
			AcceptBenchmark.Result accept;
			try (BenchStack stack = BenchStack.start(false, false, keys, true, false)) {
				accept = new AcceptBenchmark(stack, List.copyOf(keys.keySet()), CONCURRENCY, PER_ROUND, ROUNDS).run();
			}
			StringBuilder md = new StringBuilder();
			appendAccept(md, accept, CONCURRENCY, PER_ROUND, ROUNDS);
			System.out.println();
			System.out.println(md);
			System.exit(0);
		}
		StringBuilder md = new StringBuilder();
		md.append("## Measured figures\n\n");
		md.append("Run: `").append(quick ? "--quick (smoke run: few rounds; not for comparison)" : "full").append("`. ");
		md.append("Machine: ").append(machine).append(".\n\n");

		// 1. render throughput, and the 64² 1-step render the end-to-end run subtracts
		int renderSteps = 20;
		Map<String, List<Double>> render = new RenderBenchmark(renderSteps, quick ? 1 : 5).run();
		double tinyRender = Stats.of(render.get("64² 1 step (ms per image)")).p50();

		// 2. accept throughput, Redis, the create script's scan
		Map<String, String> keys = clientKeys();
		List<String> clientKeys = List.copyOf(keys.keySet());
		String memKey = "kiln_bench_mem_0123456789abcdef";
		String fullKey = "kiln_bench_replica_0123456789abcdef";
		String freshKey = "kiln_bench_fresh_0123456789abcdef";
		keys.put(memKey, "bench-mem");
		keys.put(fullKey, "bench-replica-0");
		keys.put(freshKey, "bench-fresh");
		int concurrency = CONCURRENCY;
		int perRound = quick ? 300 : PER_ROUND;
		int rounds = quick ? 2 : ROUNDS;
		AcceptBenchmark.Result accept;
		double realBytes;
		double replicaBytes;
		int realJobs = quick ? 500 : 2000;
		int replicaJobs = quick ? 20_000 : 100_000;
		Stats fullTenant;
		Stats freshTenant;
		Map<Integer, Double> laneReads;
		List<Integer> decisionSizes = List.of(10, 10_000, 1_000_000);
		String[] redisTemplate = { "" };
		double[] compactBytes = { 0 };
		try (BenchStack stack = BenchStack.start(false, false, keys, true, false)) {
			Http http = new Http();
			URI submit = stack.url(BenchStack.Service.GATEWAY).resolve("/v1/jobs");
			RedisBenchmark redis = new RedisBenchmark(stack.redis(),
					new JobStore(stack.bean(BenchStack.Service.GATEWAY, StringRedisTemplate.class)));
			// Redis bytes per job through the real path: sequential submits of one tenant
			long before = redis.usedMemory();
			String lastId = null;
			for (int i = 0; i < realJobs; i++) {
				Http.Answer answer = http.post(submit, memKey, AcceptBenchmark.REQUEST);
				if (answer.status() != 202) {
					throw new IllegalStateException("Gateway answered " + answer.status() + ": " + answer.body());
				}
				lastId = answer.json().get("id").asString();
			}
			realBytes = (redis.usedMemory() - before) / (double) realJobs;
			Report.progress("redis: %.0f bytes per job through the gateway (%d jobs)", realBytes, realJobs);

			accept = new AcceptBenchmark(stack, clientKeys, concurrency, perRound, rounds).run();

			replicaBytes = redis.replicaWith("1024", lastId, replicaJobs, 5000, "bench-replica-");
			redisTemplate[0] = redis.templateSummary();
			compactBytes[0] = redis.replicaWith("64", lastId, replicaJobs, 5000, "bench-default-");
			Report.progress("redis: %.0f bytes per job, replica of %d jobs, Kiln's Redis settings", replicaBytes,
					replicaJobs);
			Report.progress("redis: %.0f bytes per job, replica with Redis' default hash-max-ziplist-value 64",
					compactBytes[0]);

			// the create script counts the tenant's waiting set on every submit: a full tenant against an empty one
			List<Double> full = new ArrayList<>();
			List<Double> fresh = new ArrayList<>();
			int probes = quick ? 40 : 200;
			for (int i = 0; i < probes; i++) {
				for (String key : (i % 2 == 0) ? List.of(fullKey, freshKey) : List.of(freshKey, fullKey)) {
					long begin = System.nanoTime();
					Http.Answer answer = http.post(submit, key, AcceptBenchmark.REQUEST);
					double ms = (System.nanoTime() - begin) / 1e6;
					if (answer.status() != 202) {
						throw new IllegalStateException("Gateway answered " + answer.status() + ": " + answer.body());
					}
					(key.equals(fullKey) ? full : fresh).add(ms);
				}
			}
			fullTenant = Stats.of(full);
			freshTenant = Stats.of(fresh);
			Report.progress("submit p50 with 5000 waiting: %.2f ms, with none: %.2f ms", fullTenant.p50(),
					freshTenant.p50());
			laneReads = redis.laneReads(decisionSizes, DecisionBenchmark.LISTED, quick ? 50 : 300);
		}

		// 3. the advisor's decision as a pure function
		Map<String, Map<Integer, Double>> decisions = new DecisionBenchmark().run(decisionSizes, quick ? 500 : 5000);

		// 4. end to end and the scale signal, with a worker and the advisor
		EndToEndBenchmark.Result e2e;
		Map<String, List<Double>> freshness;
		String template = redisTemplate[0];
		e2e = endToEnd(quick ? 3 : 10, quick ? 10 : 50);
		// 5. the scale signal: the advisor and no worker, so a job stays queued until the advisor has seen it
		freshness = scaleSignal(quick ? 3 : 20);

		// the report
		appendAccept(md, accept, concurrency, perRound, rounds);
		appendEndToEnd(md, e2e);
		appendScaleSignal(md, freshness);
		md.append("### Built-in model render throughput (CPU, %d steps)\n\n".formatted(renderSteps));
		md.append("| case | images/s (median) | min | max |\n|---|---|---|---|\n");
		for (String name : RenderBenchmark.CASES) {
			List<Double> values = render.get(name);
			md.append("| %s | %s | %s | %s |\n".formatted(name, Stats.f(Stats.of(values).p50()),
					Stats.f(values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN)),
					Stats.f(Stats.of(values).max())));
		}
		md.append("\n64×64, 1 step (the end-to-end job), called from the harness (prompt encoding, model, PNG "
				+ "encoding): p50 %s ms per image.\n\n".formatted(Stats.f(tinyRender)));
		md.append("### Redis bytes per queued job\n\n");
		md.append("- Through the gateway (HTTP submit → create script), %d jobs of one tenant, Kiln's Redis settings: "
				.formatted(realJobs) + "**%.0f bytes/job**.\n".formatted(realBytes));
		md.append("- Copies of a real job written through the job store's create script (record with a new id and "
				+ "tenant, lane index, tenant index, waiting set; no idempotency key, outbox entry taken out as on "
				+ "SQS's confirmation), %,d jobs in 20 tenants, with Kiln's Redis settings (`hash-max-ziplist-value 1024`): "
					.formatted(replicaJobs)
				+ "**%.0f bytes/job** (target ≤ 1 KiB: %s).\n".formatted(replicaBytes,
						(replicaBytes <= 1024) ? "met" : "**missed**"));
		md.append("- The same copies on a Redis with default settings (`hash-max-ziplist-value 64`: the record's "
				+ "≈ 350-byte `request` makes it a hash table): **%.0f bytes/job** (target: %s).\n"
					.formatted(compactBytes[0], (compactBytes[0] <= 1024) ? "met" : "**missed**"));
		md.append("- The job record the gateway writes: %s.\n".formatted(template));
		md.append("- Submit latency, sequential, tenant with 5,000 waiting jobs vs. an empty tenant: p50 %s vs %s ms, "
				.formatted(Stats.f(fullTenant.p50()), Stats.f(freshTenant.p50()))
				+ "p99 %s vs %s ms (below its quota the create script only counts the waiting set, `SCARD`).\n\n"
					.formatted(Stats.f(fullTenant.p99()), Stats.f(freshTenant.p99())));
		md.append("### Advisor decision time\n\n");
		md.append("| queued jobs | queue-length decide() µs | deadline decide() µs | Redis reads (ZCARD + oldest %d) µs |\n"
			.formatted(DecisionBenchmark.LISTED));
		md.append("|---|---|---|---|\n");
		for (int size : decisionSizes) {
			md.append("| %,d | %s | %s | %s |\n".formatted(size, Stats.f(decisions.get("queue-length").get(size)),
					Stats.f(decisions.get("deadline").get(size)), Stats.f(laneReads.get(size))));
		}
		md.append(("\nMedians. The policy is called directly on synthetic snapshots (as the live advisor builds them: "
				+ "at most %d waiting jobs listed, the rest counted); the Redis column is the per-lane read the "
				+ "advisor does each poll, on a lane index of that length.\n").formatted(DecisionBenchmark.LISTED));
		System.out.println();
		System.out.println(md);
		if (!options.contains("--no-write")) {
			Report.write(out, md.toString());
			Report.progress("wrote %s", out.toAbsolutePath());
		}
		System.exit(0);
	}

	private static EndToEndBenchmark.Result endToEnd(int warmUp, int jobs) throws Exception {
		try (BenchStack stack = BenchStack.start(true, true, Map.of(E2E_KEY, "bench-e2e"), false, false)) {
			return new EndToEndBenchmark(stack, E2E_KEY, "bench-e2e").run(warmUp, jobs);
		}
	}

	/** The scale signal: the advisor and no worker, so a job stays queued until the advisor has seen it. */
	private static Map<String, List<Double>> scaleSignal(int samples) {
		try (BenchStack stack = BenchStack.start(false, true, Map.of(E2E_KEY, "bench-e2e"), false, true)) {
			return new EndToEndBenchmark(stack, E2E_KEY, "bench-e2e").freshness(samples);
		}
		catch (RuntimeException ex) {
			Report.progress("scale signal not measured: %s", ex);
			return Map.of(EndToEndBenchmark.HTTP, List.of(), EndToEndBenchmark.PUSH, List.of(),
					EndToEndBenchmark.PUSH_POLL_ONLY, List.of());
		}
	}

	private static void appendScaleSignal(StringBuilder md, Map<String, List<Double>> freshness) {
		Stats polled = Stats.of(freshness.get(EndToEndBenchmark.HTTP));
		Stats push = Stats.of(freshness.get(EndToEndBenchmark.PUSH));
		Stats pollOnly = Stats.of(freshness.get(EndToEndBenchmark.PUSH_POLL_ONLY));
		md.append("### Scale signal freshness\n\n");
		md.append(("Job accepted into an empty system (no worker, advisors inactive), %d samples at varied phases of the "
				+ "advisors' 1 s poll, two advisors side by side on the same Redis and queues: one as configured "
				+ "(deciding when the gateway announces a job, and on its poll) and one deciding only on its poll "
				+ "(`kiln.advisor.wake.enabled=false`, the advisor before it woke on arrivals). Milliseconds from the "
				+ "202 to the signal:\n\n").formatted(push.count()));
		md.append("| signal | p50 | p99 | max | target |\n|---|---|---|---|---|\n");
		md.append("| gRPC `StreamIsActive` push (KEDA external-push), poll only (before) | %s | %s | %s | ≤ 1 s: %s |\n"
			.formatted(Stats.f(pollOnly.p50()), Stats.f(pollOnly.p99()), Stats.f(pollOnly.max()),
					verdict(pollOnly, 1000)));
		md.append("| gRPC `StreamIsActive` push, woken on arrival (after) | %s | %s | %s | p99 ≤ 100 ms: %s |\n"
			.formatted(Stats.f(push.p50()), Stats.f(push.p99()), Stats.f(push.max()),
					(push.count() == 0) ? "not measured" : (push.p99() <= 100) ? "met" : "**missed**"));
		md.append("| `GET /v1/scaling` `active` (polled every 5 ms), woken on arrival | %s | %s | %s | ≤ 1 s: %s |\n\n"
			.formatted(Stats.f(polled.p50()), Stats.f(polled.p99()), Stats.f(polled.max()), verdict(polled, 1000)));
	}

	/** The accept benchmark's API keys, one tenant per client, by key. */
	private static Map<String, String> clientKeys() {
		Map<String, String> keys = new LinkedHashMap<>();
		for (int i = 0; i < CONCURRENCY; i++) {
			keys.put("kiln_bench_" + i + "_0123456789abcdef", "bench-" + i);
		}
		return keys;
	}

	private static String verdict(Stats stats, double max) {
		return (stats.count() == 0) ? "not measured (see the run's log)" : (stats.max() <= max) ? "met" : "**missed**";
	}

	private static void appendAccept(StringBuilder md, AcceptBenchmark.Result accept, int concurrency, int perRound,
			int rounds) {
		md.append("### Gateway accept vs raw SQS SendMessage\n\n");
		md.append("%d concurrent clients on virtual threads, %d requests per round, %d measured rounds per side "
			.formatted(concurrency, perRound, rounds)
				+ "in rotating order (A B C, B C A, ...) after one warm-up round each; the raw side sends the gateway's "
				+ "own message body (%d bytes) to a queue on the same embedded SQS server. Two gateways: as configured "
				.formatted(accept.payloadBytes())
				+ "(requests on virtual threads, `spring.threads.virtual.enabled=true`) and the same on platform "
				+ "threads (Tomcat's pool of 200).\n\n");
		md.append("| round | gateway req/s | on platform threads req/s | raw SQS msg/s | ratio | ratio, platform threads "
				+ "| gateway p50 / p99 ms | platform p50 / p99 ms | SQS p50 / p99 ms |\n");
		md.append("|---|---|---|---|---|---|---|---|---|\n");
		List<Double> ratios = new ArrayList<>();
		List<Double> platformRatios = new ArrayList<>();
		List<Double> allGateway = new ArrayList<>();
		List<Double> allPlatform = new ArrayList<>();
		List<Double> allSqs = new ArrayList<>();
		for (int r = 0; r < accept.gateway().size(); r++) {
			AcceptBenchmark.Round g = accept.gateway().get(r);
			AcceptBenchmark.Round p = accept.platformThreads().get(r);
			AcceptBenchmark.Round s = accept.sqs().get(r);
			double ratio = g.throughput() / s.throughput();
			double platformRatio = p.throughput() / s.throughput();
			ratios.add(ratio);
			platformRatios.add(platformRatio);
			allGateway.addAll(g.latencies());
			allPlatform.addAll(p.latencies());
			allSqs.addAll(s.latencies());
			Stats gs = Stats.of(g.latencies());
			Stats ps = Stats.of(p.latencies());
			Stats ss = Stats.of(s.latencies());
			md.append("| %d | %s | %s | %s | %.2f | %.2f | %s / %s | %s / %s | %s / %s |\n".formatted(r + 1,
					Stats.f(g.throughput()), Stats.f(p.throughput()), Stats.f(s.throughput()), ratio, platformRatio,
					Stats.f(gs.p50()), Stats.f(gs.p99()), Stats.f(ps.p50()), Stats.f(ps.p99()), Stats.f(ss.p50()),
					Stats.f(ss.p99())));
		}
		double ratio = Stats.of(ratios).p50();
		double platformRatio = Stats.of(platformRatios).p50();
		Stats gs = Stats.of(allGateway);
		Stats ps = Stats.of(allPlatform);
		Stats ss = Stats.of(allSqs);
		md.append("\n**Throughput ratio gateway / raw SQS: %.2f** (median of rounds; target ≥ 0.9: %s); on platform "
			.formatted(ratio, (ratio >= 0.9) ? "met" : "**missed**")
				+ "threads: %.2f. Latency over all rounds: gateway p50 %s ms, p99 %s ms; on platform threads p50 %s ms, "
					.formatted(platformRatio, Stats.f(gs.p50()), Stats.f(gs.p99()), Stats.f(ps.p50()))
				+ "p99 %s ms; raw SQS p50 %s ms, p99 %s ms.\n\n".formatted(Stats.f(ps.p99()), Stats.f(ss.p50()),
						Stats.f(ss.p99())));
	}

	private static void appendEndToEnd(StringBuilder md, EndToEndBenchmark.Result result) {
		Map<EndToEndBenchmark.Watch, Map<String, Map<String, List<Double>>>> e2e = result.kiln();
		md.append("### End-to-end overhead (submit → SUCCEEDED visible)\n\n");
		md.append("No-op model (`type: noop`: a grey PNG, no inference), 64×64, 1 step, one job at a time, lanes and "
				+ "ways of watching alternating, one worker. Hops from the job record (`submittedAt`), `metadata.json` "
				+ "(`startedAt`, `finishedAt`, `renderSeconds`), the id of the SUCCEEDED entry in "
				+ "`{kiln}:job:{id}:events` (Redis time when the state machine applied it) and the client's clock.\n\n");
		for (EndToEndBenchmark.Watch watch : EndToEndBenchmark.Watch.values()) {
			Map<String, Map<String, List<Double>>> byLane = e2e.get(watch);
			md.append("Client %s:\n\n".formatted(watch.description));
			md.append("| hop (ms) | interactive p50 | interactive p99 | standard p50 | standard p99 |\n");
			md.append("|---|---|---|---|---|\n");
			for (String hop : EndToEndBenchmark.HOPS) {
				Stats i = Stats.of(byLane.get("interactive").get(hop));
				Stats s = Stats.of(byLane.get("standard").get(hop));
				md.append("| %s | %s | %s | %s | %s |\n".formatted(hop, Stats.f(i.p50()), Stats.f(i.p99()),
						Stats.f(s.p50()), Stats.f(s.p99())));
			}
			md.append("\n");
			for (String lane : List.of("interactive", "standard")) {
				Stats o = Stats.of(byLane.get(lane).get("total − render"));
				md.append(("**Overhead (total − render), %s lane, client %s: p50 %s ms (target ≤ 30: %s), p99 %s ms "
						+ "(target ≤ 150: %s).**\n\n").formatted(lane, (watch == EndToEndBenchmark.Watch.POLL)
								? "polling" : "following events", Stats.f(o.p50()), (o.p50() <= 30) ? "met" : "missed",
								Stats.f(o.p99()), (o.p99() <= 150) ? "met" : "missed"));
			}
		}
		appendOverheadRatio(md, result);
	}

	/** Kiln's hops against the floor of the calls they make, both lanes pooled, per way of watching. */
	private static void appendOverheadRatio(StringBuilder md, EndToEndBenchmark.Result result) {
		Map<String, List<Double>> floor = result.floor();
		md.append("### Overhead ÷ floor\n\n");
		md.append(("The floor: after each Kiln job above, the SQS, S3 and Redis calls a job needs, made directly one "
				+ "after another with the services' own clients (the gateway's, worker's and queue service's beans) "
				+ "against the same embedded servers, each timed on its own (%d samples, interleaved with the jobs): "
				+ "the job's message body sent and received (long poll, a message waiting), its PNG and "
				+ "`metadata.json` as the worker wrote them put, the `SUCCEEDED` event sent and received, and "
				+ "`apply-event.lua` run on a copy of the job's record. Ratio = Kiln p50 ÷ floor p50, both lanes "
				+ "pooled.\n\n").formatted(floor.get(CallFloor.TOTAL).size()));
		md.append("| hop (ms) | floor: calls | floor p50 / p99 | Kiln p50 / p99, events | ratio, events "
				+ "| Kiln p50 / p99, polling | ratio, polling |\n");
		md.append("|---|---|---|---|---|---|---|\n");
		Map<EndToEndBenchmark.Watch, Double> totals = new java.util.EnumMap<>(EndToEndBenchmark.Watch.class);
		for (String hop : EndToEndBenchmark.HOPS) {
			if (hop.equals("total")) {
				continue;
			}
			List<String> calls = CallFloor.HOPS.get(hop);
			Stats f = (calls != null) ? Stats.of(floor.get(hop)) : null;
			StringBuilder row = new StringBuilder("| %s | %s | %s |".formatted(hop,
					(calls != null) ? String.join(" + ", calls.stream().map((c) -> c.replaceAll(" \\(.*", "")).toList())
							: hop.startsWith("render") ? "— (subtracted from the total)" : "none (Kiln's own)",
					(f != null) ? Stats.f(f.p50()) + " / " + Stats.f(f.p99()) : "—"));
			for (EndToEndBenchmark.Watch watch : List.of(EndToEndBenchmark.Watch.EVENTS,
					EndToEndBenchmark.Watch.POLL)) {
				List<Double> kiln = new ArrayList<>(result.kiln().get(watch).get("interactive").get(hop));
				kiln.addAll(result.kiln().get(watch).get("standard").get(hop));
				Stats k = Stats.of(kiln);
				double ratio = (f != null) ? k.p50() / f.p50() : Double.NaN;
				if (hop.equals(CallFloor.TOTAL)) {
					totals.put(watch, ratio);
				}
				row.append(" %s / %s | %s |".formatted(Stats.f(k.p50()), Stats.f(k.p99()),
						(f != null) ? "%.2f×".formatted(ratio) : "—"));
			}
			md.append(hop.equals(CallFloor.TOTAL) ? row.toString().replace("| " + hop + " |", "| **" + hop + "** |")
					: row).append("\n");
		}
		md.append("\nThe floor's calls one by one (p50 / p99 ms): ");
		List<String> parts = new ArrayList<>();
		for (String call : CallFloor.CALLS) {
			Stats c = Stats.of(floor.get(call));
			parts.add("%s %s / %s".formatted(call, Stats.f(c.p50()), Stats.f(c.p99())));
		}
		md.append(String.join("; ", parts)).append(". The two deletes are in no hop: Kiln makes them after the event "
				+ "is sent (the worker) and after it is applied (the queue service's batched acknowledgement), off the "
				+ "measured path. Rows without a floor (worker prep, visible to the client) and the parts of a hop the "
				+ "floor does not make (the gateway's HTTP, validation and create script; the worker's lease script) "
				+ "are Kiln's own and count in its total.\n\n");
		double events = totals.get(EndToEndBenchmark.Watch.EVENTS);
		double polling = totals.get(EndToEndBenchmark.Watch.POLL);
		md.append("**Overhead ÷ floor at p50: %.2f× following events, %.2f× polling (goal ≤ 1.5×: %s).**\n\n"
			.formatted(events, polling, (events <= 1.5 && polling <= 1.5) ? "met"
					: (events <= 1.5) ? "met following events, missed polling" : "missed"));
	}

}
