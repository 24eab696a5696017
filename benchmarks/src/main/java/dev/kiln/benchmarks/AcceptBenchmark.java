package dev.kiln.benchmarks;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import software.amazon.awssdk.services.sqs.model.Message;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;

/**
 * Gateway accept ({@code POST /v1/jobs} → 202) against raw SQS {@code SendMessage} of the same message body to the
 * same embedded SQS server, at the same concurrency, in rotating rounds (A B C, B C A, C A B, ...). Two gateways take
 * part: the one as configured (requests on virtual threads) and the same on platform threads.
 */
final class AcceptBenchmark {

	static final String REQUEST = """
			{"prompt":"a lighthouse at dusk, oil painting","width":512,"height":512}""";

	private final BenchStack stack;

	private final Http http = new Http();

	private final List<String> keys;

	private final int concurrency;

	private final int perRound;

	private final int rounds;

	/**
	 * One side of a round.
	 *
	 * @param side which side
	 * @param throughput requests per second
	 * @param latencies milliseconds per request
	 */
	record Round(String side, double throughput, List<Double> latencies) {
	}

	/**
	 * The result.
	 *
	 * @param gateway every round of the gateway (requests on virtual threads, its configuration)
	 * @param platformThreads every round of the same gateway on platform threads
	 * @param sqs every raw SQS round
	 * @param payloadBytes bytes of the SQS message body
	 * @param accepted jobs the gateways accepted in all
	 */
	record Result(List<Round> gateway, List<Round> platformThreads, List<Round> sqs, int payloadBytes, int accepted) {
	}

	AcceptBenchmark(BenchStack stack, List<String> keys, int concurrency, int perRound, int rounds) {
		this.stack = stack;
		this.keys = keys;
		this.concurrency = concurrency;
		this.perRound = perRound;
		this.rounds = rounds;
	}

	Result run() throws Exception {
		URI submit = this.stack.url(BenchStack.Service.GATEWAY).resolve("/v1/jobs");
		URI platformSubmit = this.stack.url(BenchStack.Service.PLATFORM_THREADS_GATEWAY).resolve("/v1/jobs");
		String jobsQueue = this.stack.sqs()
			.getQueueUrl((b) -> b.queueName(new QueueNames("kiln").jobs(Lane.STANDARD)))
			.join()
			.queueUrl();
		String rawQueue = this.stack.sqs().createQueue((b) -> b.queueName("bench-raw-sqs")).join().queueUrl();
		// The raw side sends exactly the body the gateway put on the queue.
		if (this.http.post(submit, this.keys.get(0), REQUEST).status() != 202) {
			throw new IllegalStateException("The gateway did not accept the benchmark request");
		}
		List<Message> sample = this.stack.sqs()
			.receiveMessage((b) -> b.queueUrl(jobsQueue).maxNumberOfMessages(1).waitTimeSeconds(2))
			.join()
			.messages();
		String payload = sample.get(0).body();
		AtomicInteger accepted = new AtomicInteger(1);
		Map<String, Call> sides = new LinkedHashMap<>();
		sides.put("gateway", (k) -> gatewaySend(submit, k, accepted));
		sides.put("platform", (k) -> gatewaySend(platformSubmit, k, accepted));
		sides.put("sqs", (k) -> sqsSend(rawQueue, payload));
		Map<String, List<Round>> rounds = new LinkedHashMap<>();
		List<String> order = new ArrayList<>(sides.keySet());
		for (String side : order) {
			// warm-up, one round each, not counted
			round(side, sides.get(side));
			rounds.put(side, new ArrayList<>());
		}
		for (int r = 0; r < this.rounds; r++) {
			// each side takes each place in the order in turn
			for (int i = 0; i < order.size(); i++) {
				String side = order.get((r + i) % order.size());
				rounds.get(side).add(round(side, sides.get(side)));
			}
			Report.progress("accept round %d/%d: gateway %.0f/s, on platform threads %.0f/s, sqs %.0f/s", r + 1,
					this.rounds, rounds.get("gateway").getLast().throughput(),
					rounds.get("platform").getLast().throughput(), rounds.get("sqs").getLast().throughput());
		}
		return new Result(rounds.get("gateway"), rounds.get("platform"), rounds.get("sqs"),
				payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, accepted.get());
	}

	private interface Call {

		void call(String key);

	}

	private Round round(String side, Call call) throws Exception {
		List<Double> latencies = Collections.synchronizedList(new ArrayList<>(this.perRound));
		AtomicInteger left = new AtomicInteger(this.perRound);
		long begin = System.nanoTime();
		try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
			List<Future<?>> futures = new ArrayList<>();
			for (int c = 0; c < this.concurrency; c++) {
				String key = this.keys.get(c % this.keys.size());
				futures.add(clients.submit(() -> {
					while (left.getAndDecrement() > 0) {
						long start = System.nanoTime();
						call.call(key);
						latencies.add((System.nanoTime() - start) / 1e6);
					}
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		double seconds = (System.nanoTime() - begin) / 1e9;
		return new Round(side, this.perRound / seconds, new ArrayList<>(latencies));
	}

	private void gatewaySend(URI submit, String key, AtomicInteger accepted) {
		Http.Answer answer = this.http.post(submit, key, REQUEST);
		if (answer.status() != 202) {
			throw new IllegalStateException("Gateway answered " + answer.status() + ": " + answer.body());
		}
		accepted.incrementAndGet();
	}

	private void sqsSend(String queue, String payload) {
		this.stack.sqs().sendMessage((b) -> b.queueUrl(queue).messageBody(payload)).join();
	}

}
