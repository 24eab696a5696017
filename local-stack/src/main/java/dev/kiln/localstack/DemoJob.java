package dev.kiln.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
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

/** Submits one job through the public API, waits for it and saves its first image. */
final class DemoJob {

	private static final Duration TIMEOUT = Duration.ofMinutes(10);

	private final RestClient gateway;

	private final Path imageDirectory;

	DemoJob(String gatewayUrl, String apiKey, Path imageDirectory) {
		this.gateway = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.baseUrl(gatewayUrl)
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey)
			.build();
		this.imageDirectory = imageDirectory;
	}

	/**
	 * Runs the job.
	 * @param options prompt, size, steps and seed
	 * @return the process exit status: 0 when the image was saved, 1 otherwise
	 */
	int run(LocalStackOptions options) {
		Map<String, Object> request = new LinkedHashMap<>();
		request.put("prompt", options.prompt());
		request.put("width", options.width());
		request.put("height", options.height());
		request.put("steps", options.steps());
		if (options.seed() != null) {
			request.put("seed", options.seed());
		}
		JsonNode job = this.gateway.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body(request)
			.exchange((req, response) -> {
				JsonNode body = response.bodyTo(JsonNode.class);
				if (response.getStatusCode().value() != 202) {
					throw new IllegalStateException("The gateway refused the job (" + response.getStatusCode() + "): "
							+ ((body != null) ? body.toString() : ""));
				}
				return body;
			});
		String id = job.get("id").asString();
		System.out.println("Submitted job " + id + " (seed " + job.get("seed").asLong() + "); waiting...");
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			job = this.gateway.get().uri("/v1/jobs/{id}", id).retrieve().body(JsonNode.class);
			String state = job.get("state").asString();
			switch (state) {
				case "SUCCEEDED" -> {
					return save(id, job);
				}
				case "FAILED", "CANCELLED" -> {
					JsonNode error = job.get("error");
					System.err.println("Job " + id + " ended " + state
							+ ((error != null && !error.isNull()) ? ": " + error.get("type").asString() + " - "
									+ error.get("detail").asString() : ""));
					return 1;
				}
				default -> sleep();
			}
		}
		System.err.println("Job " + id + " did not finish within " + TIMEOUT.toMinutes() + " minutes");
		return 1;
	}

	private int save(String id, JsonNode job) {
		URI url = URI.create(job.get("images").get(0).get("url").asString());
		byte[] png = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.build()
			.get()
			.uri(url)
			.retrieve()
			.body(byte[].class);
		try {
			Files.createDirectories(this.imageDirectory);
			Path file = this.imageDirectory.resolve(id + "-0.png").toAbsolutePath();
			Files.write(file, png);
			System.out.println("Saved " + file);
			return 0;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not save the image", ex);
		}
	}

	private static void sleep() {
		try {
			Thread.sleep(200);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for the job", ex);
		}
	}

}
