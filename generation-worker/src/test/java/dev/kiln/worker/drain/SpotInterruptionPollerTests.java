package dev.kiln.worker.drain;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import dev.kiln.worker.WorkerProperties;

import static org.assertj.core.api.Assertions.assertThat;

/** The poller against a tiny stand-in for the EC2 instance metadata service (IMDSv2). */
class SpotInterruptionPollerTests {

	private static final String TOKEN = "imds-token-1";

	private HttpServer server;

	private final List<String> requests = new CopyOnWriteArrayList<>();

	private final AtomicReference<String> notice = new AtomicReference<>();

	@BeforeEach
	void startMetadataService() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.createContext("/latest/api/token", (exchange) -> {
			this.requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " ttl="
					+ exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds"));
			respond(exchange, "PUT".equals(exchange.getRequestMethod()) ? 200 : 405, TOKEN);
		});
		this.server.createContext("/latest/meta-data/spot/instance-action", (exchange) -> {
			String token = exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token");
			this.requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " token=" + token);
			String body = this.notice.get();
			if (!TOKEN.equals(token)) {
				respond(exchange, 401, "");
			}
			else if (body == null) {
				respond(exchange, 404, "Not Found");
			}
			else {
				respond(exchange, 200, body);
			}
		});
		this.server.start();
	}

	@AfterEach
	void stopMetadataService() {
		this.server.stop(0);
	}

	@Test
	void noNoticeLeavesTheWorkerAloneAndReusesTheToken() {
		DrainSignal signal = new DrainSignal();
		SpotInterruptionPoller poller = poller(signal);
		poller.check();
		poller.check();
		assertThat(signal.raised()).isFalse();
		assertThat(this.requests).containsExactly("PUT /latest/api/token ttl=21600",
				"GET /latest/meta-data/spot/instance-action token=" + TOKEN,
				"GET /latest/meta-data/spot/instance-action token=" + TOKEN);
	}

	@Test
	void aNoticeRaisesTheDrainSignal() {
		DrainSignal signal = new DrainSignal();
		List<String> told = new CopyOnWriteArrayList<>();
		signal.onRaise(told::add);
		SpotInterruptionPoller poller = poller(signal);
		poller.check();
		this.notice.set("{\"action\": \"terminate\", \"time\": \"2026-11-23T05:00:00Z\"}");
		poller.check();
		assertThat(signal.raised()).isTrue();
		assertThat(told).singleElement().asString().contains("spot interruption notice", "terminate");
	}

	@Test
	void anUnreachableMetadataServiceIsNotANotice() {
		DrainSignal signal = new DrainSignal();
		this.server.stop(0);
		poller(signal).check();
		assertThat(signal.raised()).isFalse();
	}

	@Test
	void pollsOnlyWhenEnabled() {
		SpotInterruptionPoller off = new SpotInterruptionPoller(properties(false), new DrainSignal());
		off.start();
		assertThat(off.isRunning()).isFalse();
		SpotInterruptionPoller on = new SpotInterruptionPoller(properties(true), new DrainSignal());
		on.start();
		try {
			assertThat(on.isRunning()).isTrue();
		}
		finally {
			on.stop();
		}
	}

	private SpotInterruptionPoller poller(DrainSignal signal) {
		return new SpotInterruptionPoller(properties(true), signal);
	}

	private WorkerProperties properties(boolean enabled) {
		URI base = URI.create("http://127.0.0.1:" + this.server.getAddress().getPort());
		WorkerProperties.Model model = new WorkerProperties.Model(WorkerProperties.ModelType.BUILTIN, "/tmp/m", "cpu",
				65536, 10, 1, "pndm");
		return new WorkerProperties("w", Duration.ofMillis(250), Map.of("m", model), "/tmp", Duration.ofSeconds(1), 4,
				1, Duration.ofSeconds(5), Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofSeconds(15),
				Duration.ofMinutes(15), Duration.ofSeconds(20), 10, 0, 0,
				new WorkerProperties.Spot(enabled, base, Duration.ofHours(1)), "auto",
				new WorkerProperties.ModelDownload(4, DataSize.ofMegabytes(64), 3), null,
				new WorkerProperties.Batching(true, Duration.ofMillis(20), false));
	}

	private static void respond(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.sendResponseHeaders(status, (bytes.length == 0) ? -1 : bytes.length);
		if (bytes.length > 0) {
			exchange.getResponseBody().write(bytes);
		}
		exchange.close();
	}

}
