package dev.kiln.queue.webhook;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.kiln.contract.CallbackUrlPolicy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sender connects to the addresses the callback check resolved, never to a second lookup. A receiver listens on
 * 127.0.0.1; resolvers stand in for DNS answers, including one that rebinds (public for the check, loopback after).
 */
class WebhookSenderTests {

	private static final String HOST = "hooks.rebind.test";

	private HttpServer receiver;

	private final List<String> received = new CopyOnWriteArrayList<>();

	@BeforeEach
	void startReceiver() throws Exception {
		this.receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.receiver.createContext("/", (exchange) -> {
			this.received.add(exchange.getRequestHeaders().getFirst("Host") + " "
					+ new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
		});
		this.receiver.start();
	}

	@AfterEach
	void stopReceiver() {
		this.receiver.stop(0);
	}

	@Test
	void connectsToTheCheckedAddressUnderTheOriginalHostName() throws Exception {
		AtomicInteger lookups = new AtomicInteger();
		CallbackUrlPolicy.Resolver dns = (host) -> {
			lookups.incrementAndGet();
			assertThat(host).isEqualTo(HOST);
			return List.of(InetAddress.getByName("127.0.0.1"));
		};
		try (WebhookSender sender = new WebhookSender(new CallbackUrlPolicy(true, true, true), dns,
				Duration.ofSeconds(5))) {
			WebhookSender.Outcome outcome = sender.post(url(), Map.of("Kiln-Delivery", "d-1"), "{\"n\":1}");
			assertThat(outcome.delivered()).as(outcome.toString()).isTrue();
		}
		assertThat(this.received).containsExactly(HOST + ":" + port() + " {\"n\":1}");
		assertThat(lookups).as("one lookup, for the check; the connection used its answer").hasValue(1);
	}

	@Test
	void aNameThatRebindsToAPrivateAddressAfterTheCheckIsNeverReached() throws Exception {
		AtomicInteger lookups = new AtomicInteger();
		CallbackUrlPolicy.Resolver rebinding = (host) -> (lookups.incrementAndGet() == 1)
				? List.of(InetAddress.getByName("100.63.255.254")) // public: passes the check
				: List.of(InetAddress.getByName("127.0.0.1")); // the receiver, which must never be reached
		try (WebhookSender sender = new WebhookSender(new CallbackUrlPolicy(true, true, false), rebinding,
				Duration.ofMillis(500))) {
			WebhookSender.Outcome outcome = sender.post(url(), Map.of(), "{\"n\":2}");
			assertThat(outcome.refusal()).isNull();
			assertThat(outcome.delivered()).as("sent to the checked public address, which does not answer here")
				.isFalse();
		}
		assertThat(this.received).isEmpty();
		assertThat(lookups).hasValue(1);
	}

	@Test
	void aNameThatAnswersAPrivateAddressToTheCheckIsRefusedWithoutARequest() throws Exception {
		try (WebhookSender sender = new WebhookSender(new CallbackUrlPolicy(true, true, false),
				(host) -> List.of(InetAddress.getByName("127.0.0.1")), Duration.ofSeconds(5))) {
			WebhookSender.Outcome outcome = sender.post(url(), Map.of(), "{}");
			assertThat(outcome.refusal()).startsWith("resolves to a non-public address");
		}
		assertThat(this.received).isEmpty();
	}

	@Test
	void aHostThatDoesNotResolveIsRefused() throws Exception {
		try (WebhookSender sender = new WebhookSender(new CallbackUrlPolicy(true, true, true), (host) -> {
			throw new UnknownHostException(host);
		}, Duration.ofSeconds(5))) {
			assertThat(sender.post(url(), Map.of(), "{}").refusal()).isEqualTo("has a host that does not resolve");
		}
		assertThat(this.received).isEmpty();
	}

	private String url() {
		return "http://" + HOST + ":" + port() + "/hook";
	}

	private int port() {
		return this.receiver.getAddress().getPort();
	}

}
