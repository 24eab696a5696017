package dev.kiln.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Submits the run's jobs through the gateway's public API at a steady rate, as a careful client would: each with an
 * {@code Idempotency-Key}, retried with the same key after a 5xx, a 429 or a connection error until it is accepted.
 */
final class Submitter {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String[] LANES = { "interactive", "standard", "batch" };

	private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(3);

	private final ChaosStack stack;

	private final ChaosOptions options;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	/** Accepted job id to the number of images it asked for. */
	final Map<String, Integer> accepted = new ConcurrentHashMap<>();

	final List<String> rejected = new CopyOnWriteArrayList<>();

	final AtomicInteger retries = new AtomicInteger();

	/** Why submissions were retried: the status code, or the exception's class. */
	final Map<String, Integer> retryReasons = new ConcurrentHashMap<>();

	Submitter(ChaosStack stack, ChaosOptions options) {
		this.stack = stack;
		this.options = options;
	}

	/** Submits every job; returns when each is accepted, rejected or given up on. */
	void run() throws InterruptedException {
		Random random = new Random(this.options.seed() * 31 + 7);
		long intervalNanos = (long) (1_000_000_000L / this.options.submitRate());
		long start = System.nanoTime();
		try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
			for (int i = 0; i < this.options.jobs(); i++) {
				long wait = start + i * intervalNanos - System.nanoTime();
				if (wait > 0) {
					TimeUnit.NANOSECONDS.sleep(wait);
				}
				int index = i;
				int steps = 2 + random.nextInt(7);
				int images = 1 + random.nextInt(2);
				String lane = LANES[random.nextInt(LANES.length)];
				executor.execute(() -> submit(index, steps, images, lane));
			}
		}
	}

	private void submit(int index, int steps, int images, String lane) {
		String body = """
				{"prompt": "chaos job %d", "width": 64, "height": 64, "steps": %d, "numImages": %d, "seed": %d, \
				"lane": "%s"}""".formatted(index, steps, images, index, lane);
		HttpRequest request = HttpRequest.newBuilder(URI.create(this.stack.gatewayUrl + "/v1/jobs"))
			.timeout(Duration.ofSeconds(15))
			.header("Authorization", "Bearer " + this.stack.apiKey)
			.header("Content-Type", "application/json")
			.header("Idempotency-Key", "chaos-" + this.options.seed() + "-" + index)
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
		long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
		long backoff = 250;
		String last = "";
		while (System.nanoTime() < deadline) {
			try {
				HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
				int status = response.statusCode();
				if (status == 202 || status == 200) {
					JsonNode job = JSON.readTree(response.body());
					this.accepted.put(job.get("id").asString(), images);
					return;
				}
				if (status != 429 && status < 500) {
					this.rejected.add("job " + index + ": " + status + " " + response.body());
					return;
				}
				last = status + " " + response.body();
				this.retryReasons.merge(Integer.toString(status), 1, Integer::sum);
			}
			catch (IOException ex) {
				last = ex.toString();
				this.retryReasons.merge(ex.getClass().getSimpleName(), 1, Integer::sum);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			this.retries.incrementAndGet();
			try {
				Thread.sleep(backoff);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			backoff = Math.min(2000, backoff * 2);
		}
		this.rejected.add("job " + index + ": gave up after " + GIVE_UP_AFTER + ", last answer " + last);
	}

}
