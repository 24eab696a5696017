package dev.kiln.gateway;

import java.net.http.HttpClient;

import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * REST clients for tests on the JDK HTTP client: no redirects followed and, unlike Apache HttpClient 5 (on the test
 * class path through other libraries), no silent retry of 429 and 503 answers after their {@code Retry-After}.
 */
final class TestClients {

	private TestClients() {
	}

	static RestClient rest(String baseUrl) {
		return RestClient.builder()
			.baseUrl(baseUrl)
			.requestFactory(new JdkClientHttpRequestFactory(
					HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()))
			.build();
	}

}
