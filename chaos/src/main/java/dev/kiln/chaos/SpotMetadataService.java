package dev.kiln.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the EC2 instance metadata service (IMDSv2) on loopback, one "instance" per worker under
 * {@code /{workerId}/latest/...}: {@code PUT api/token} answers a token, {@code GET meta-data/spot/instance-action}
 * answers 404 until {@link #interrupt(String)} was called for that worker, then the two-minute warning's JSON.
 */
final class SpotMetadataService implements AutoCloseable {

	private final HttpServer server;

	private final Set<String> interrupted = ConcurrentHashMap.newKeySet();

	private SpotMetadataService(HttpServer server) {
		this.server = server;
	}

	static SpotMetadataService start() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
			SpotMetadataService service = new SpotMetadataService(server);
			server.createContext("/", service::handle);
			server.start();
			return service;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the spot metadata stand-in", ex);
		}
	}

	/** The {@code kiln.worker.spot.metadata-url} for a worker. */
	String baseUrl(String workerId) {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/" + workerId;
	}

	/** From now on the worker's instance has a spot interruption notice. */
	void interrupt(String workerId) {
		this.interrupted.add(workerId);
	}

	private void handle(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		String[] parts = path.split("/", 3);
		String worker = (parts.length > 1) ? parts[1] : "";
		String rest = (parts.length > 2) ? parts[2] : "";
		if (rest.equals("latest/api/token") && exchange.getRequestMethod().equals("PUT")) {
			respond(exchange, 200, "chaos-token");
		}
		else if (rest.equals("latest/meta-data/spot/instance-action") && this.interrupted.contains(worker)) {
			respond(exchange, 200, "{\"action\": \"terminate\", \"time\": \"2030-01-01T00:00:00Z\"}");
		}
		else {
			respond(exchange, 404, "");
		}
	}

	private static void respond(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.sendResponseHeaders(status, (bytes.length == 0) ? -1 : bytes.length);
		if (bytes.length > 0) {
			exchange.getResponseBody().write(bytes);
		}
		exchange.close();
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
