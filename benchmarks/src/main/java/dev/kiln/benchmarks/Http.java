package dev.kiln.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A JDK HTTP client on virtual threads, and JSON. */
final class Http {

	static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.executor(Executors.newVirtualThreadPerTaskExecutor())
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	/**
	 * An answer.
	 *
	 * @param status HTTP status
	 * @param body the body
	 */
	record Answer(int status, String body) {

		JsonNode json() {
			return JSON.readTree(this.body);
		}

	}

	Answer post(URI uri, String key, String body) {
		return send(HttpRequest.newBuilder(uri)
			.header("Authorization", "Bearer " + key)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build());
	}

	Answer get(URI uri, String key) {
		return send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key).GET().build());
	}

	Answer delete(URI uri, String key) {
		return send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key).DELETE().build());
	}

	/**
	 * Follows a Server-Sent Events stream until an event named {@code name} whose data contains {@code marker}
	 * arrives, and says when it did.
	 * @throws IllegalStateException when the stream ends first, or an event whose data contains {@code failure}
	 * arrives
	 */
	Instant awaitEvent(URI uri, String key, String name, String marker, String failure) {
		HttpRequest request = HttpRequest.newBuilder(uri)
			.header("Authorization", "Bearer " + key)
			.header("Accept", "text/event-stream")
			.GET()
			.build();
		try {
			HttpResponse<Stream<String>> response = this.client.send(request, HttpResponse.BodyHandlers.ofLines());
			if (response.statusCode() != 200) {
				throw new IllegalStateException("Event stream " + uri + " answered " + response.statusCode());
			}
			try (Stream<String> lines = response.body()) {
				String event = "";
				for (String line : (Iterable<String>) lines::iterator) {
					if (line.startsWith("event:")) {
						event = line.substring("event:".length()).trim();
					}
					else if (line.startsWith("data:") && event.equals(name)) {
						if (line.contains(marker)) {
							return Instant.now();
						}
						if (line.contains(failure)) {
							throw new IllegalStateException("Event stream " + uri + " says " + line);
						}
					}
				}
			}
			throw new IllegalStateException("Event stream " + uri + " ended without " + marker);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private Answer send(HttpRequest request) {
		try {
			HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
			return new Answer(response.statusCode(), response.body());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
