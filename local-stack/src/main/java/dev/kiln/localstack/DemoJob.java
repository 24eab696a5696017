package dev.kiln.localstack;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Submits one job through the public API, waits for it and saves its first image, printing a handful of lines on
 * the way: each state it is seen in, and the progress each time another quarter of its steps is done. Close it
 * before the stack stops: its HTTP connections to the gateway and to S3 stay open until then, and LocalS3 logs
 * errors when it stops with a client still connected.
 */
final class DemoJob implements AutoCloseable {

	private static final Duration TIMEOUT = Duration.ofMinutes(10);

	private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

	private final HttpClient http = HttpClient.newHttpClient();

	private final RestClient gateway;

	private final RestClient storage;

	private final Path imageDirectory;

	private final PrintStream out;

	DemoJob(String gatewayUrl, String apiKey, Path imageDirectory) {
		this(gatewayUrl, apiKey, imageDirectory, System.out);
	}

	DemoJob(String gatewayUrl, String apiKey, Path imageDirectory, PrintStream out) {
		this.gateway = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory(this.http))
			.baseUrl(gatewayUrl)
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey)
			.build();
		this.storage = RestClient.builder().requestFactory(new JdkClientHttpRequestFactory(this.http)).build();
		this.imageDirectory = imageDirectory;
		this.out = out;
	}

	/**
	 * Runs the job.
	 * @param options prompt, model, size, steps and seed
	 * @return the saved image
	 * @throws JobFailedException when the job is refused, fails, is cancelled or does not finish in time
	 */
	Path run(LocalStackOptions options) {
		Map<String, Object> request = new LinkedHashMap<>();
		request.put("prompt", options.prompt());
		request.put("width", options.width());
		request.put("height", options.height());
		request.put("steps", options.steps());
		if (options.model() != null) {
			request.put("model", options.model());
		}
		if (options.seed() != null) {
			request.put("seed", options.seed());
		}
		JsonNode job = this.gateway.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body(request)
			.exchange((req, response) -> {
				JsonNode body = response.bodyTo(JsonNode.class);
				if (response.getStatusCode().value() != 202 || body == null) {
					throw new JobFailedException("The gateway refused the job (" + response.getStatusCode() + ")"
							+ ((body != null) ? ": " + problem(body) : ""));
				}
				return body;
			});
		String id = job.get("id").asString();
		this.out.printf("Job %s submitted (%s, %dx%d, %d steps, seed %d)%n", id, job.get("model").asString(),
				options.width(), options.height(), options.steps(), job.get("seed").asLong());
		long begin = System.nanoTime();
		long deadline = begin + TIMEOUT.toNanos();
		String lastState = "";
		int lastQuarter = 0;
		while (System.nanoTime() < deadline) {
			job = this.gateway.get().uri("/v1/jobs/{id}", id).retrieve().body(JsonNode.class);
			String state = job.get("state").asString();
			if (!state.equals(lastState)) {
				lastState = state;
				if (!state.equals("SUCCEEDED")) {
					this.out.println("  " + state);
				}
			}
			JsonNode progress = job.get("progress");
			if (state.equals("RUNNING") && progress != null && !progress.isNull()) {
				int step = progress.get("step").asInt();
				int total = progress.get("totalSteps").asInt();
				int quarter = (total > 0) ? Math.min(3, 4 * step / total) : 0;
				if (quarter > lastQuarter) {
					lastQuarter = quarter;
					this.out.printf("  %d%% (%d of %d steps)%n", 100 * step / total, step, total);
				}
			}
			switch (state) {
				case "SUCCEEDED" -> {
					this.out.printf("  SUCCEEDED in %.1f s%n", (System.nanoTime() - begin) / 1e9);
					return save(id, job);
				}
				case "FAILED", "CANCELLED" -> {
					JsonNode error = job.get("error");
					throw new JobFailedException("Job " + id + " ended " + state
							+ ((error != null && !error.isNull())
									? ": " + text(error, "type") + " - " + text(error, "detail") : ""));
				}
				default -> sleep();
			}
		}
		throw new JobFailedException("Job " + id + " did not finish within " + TIMEOUT.toMinutes() + " minutes (last "
				+ "state " + lastState + ")");
	}

	private Path save(String id, JsonNode job) {
		URI url = URI.create(job.get("images").get(0).get("url").asString());
		byte[] png = this.storage.get().uri(url).retrieve().body(byte[].class);
		try {
			Files.createDirectories(this.imageDirectory);
			Path file = this.imageDirectory.resolve(id + "-0.png").toAbsolutePath();
			Files.write(file, (png != null) ? png : new byte[0]);
			this.out.println("Saved " + file);
			return file;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not save the image to " + this.imageDirectory, ex);
		}
	}

	/** Closes its HTTP connections. */
	@Override
	public void close() {
		this.http.close();
	}

	/** A problem's detail and its field errors, on one line. */
	private static String problem(JsonNode problem) {
		StringBuilder line = new StringBuilder(text(problem, "detail"));
		JsonNode errors = problem.get("errors");
		if (errors != null && errors.isArray()) {
			for (JsonNode error : errors) {
				line.append(" ").append(text(error, "field")).append(" ").append(text(error, "message")).append(";");
			}
		}
		return line.toString();
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value != null && !value.isNull()) ? value.asString() : "";
	}

	private static void sleep() {
		try {
			Thread.sleep(POLL_INTERVAL);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new JobFailedException("Interrupted while waiting for the job");
		}
	}

	/** The job did not produce an image; the message says why in one line. */
	static final class JobFailedException extends RuntimeException {

		JobFailedException(String message) {
			super(message);
		}

	}

}
