package dev.kiln.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.kiln.embedded.EmbeddedRedis;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * While Redis is unreachable the gateway answers quickly with 503 problem+json and Retry-After, never 500 and never
 * by holding the request for Lettuce's default minute. Uses a Redis of its own, stopped mid-test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=outage",
				"kiln.gateway.auth.bootstrap-keys[0].key=kiln_outage_test_key_0123456789",
				"kiln.gateway.auth.bootstrap-keys[0].tenant=outage" })
class RedisOutageIntegrationTests {

	private static final EmbeddedRedis redis = EmbeddedRedis.start(0);

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
		registry.add("spring.data.redis.port", redis::port);
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@LocalServerPort
	private int port;

	@Test
	void requestsGetAServiceUnavailableProblemWhileRedisIsDown() throws Exception {
		assertThat(list().statusCode()).isEqualTo(200);
		redis.close();
		long start = System.nanoTime();
		HttpResponse<String> response = list();
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
		assertThat(response.body()).contains("https://kiln.dev/problems/service-unavailable");
		// not a timing assertion on speed: only that the request was not held for Lettuce's 60 s default
		assertThat(took).isLessThan(Duration.ofSeconds(30));
	}

	private HttpResponse<String> list() throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/v1/jobs"))
			.header("Authorization", "Bearer kiln_outage_test_key_0123456789")
			.timeout(Duration.ofSeconds(50))
			.GET()
			.build();
		return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
	}

}
