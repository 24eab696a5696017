package dev.kiln.support.apikey;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

class PresentedApiKeyTests {

	@Test
	void readsABearerTokenInAnyCaseOfTheScheme() {
		assertThat(PresentedApiKey.of(request("Authorization", "Bearer kiln_abc"))).isEqualTo("kiln_abc");
		assertThat(PresentedApiKey.of(request("Authorization", "bearer   kiln_abc  "))).isEqualTo("kiln_abc");
	}

	@Test
	void readsTheXApiKeyHeaderWithoutABearerToken() {
		assertThat(PresentedApiKey.of(request("X-Api-Key", " kiln_xyz "))).isEqualTo("kiln_xyz");
	}

	@Test
	void aBearerTokenWinsOverTheXApiKeyHeader() {
		MockHttpServletRequest request = request("Authorization", "Bearer first");
		request.addHeader("X-Api-Key", "second");
		assertThat(PresentedApiKey.of(request)).isEqualTo("first");
	}

	@Test
	void anEmptyBearerTokenIsNoKeyEvenWithAnXApiKeyHeader() {
		MockHttpServletRequest request = request("Authorization", "Bearer   ");
		request.addHeader("X-Api-Key", "second");
		assertThat(PresentedApiKey.of(request)).isNull();
	}

	@Test
	void otherSchemesAndBlankHeadersAreNoKey() {
		assertThat(PresentedApiKey.of(new MockHttpServletRequest())).isNull();
		assertThat(PresentedApiKey.of(request("Authorization", "Basic dXNlcjpwYXNz"))).isNull();
		assertThat(PresentedApiKey.of(request("X-Api-Key", "   "))).isNull();
	}

	@Test
	void anOtherSchemeFallsBackToTheXApiKeyHeader() {
		MockHttpServletRequest request = request("Authorization", "Basic dXNlcjpwYXNz");
		request.addHeader("X-Api-Key", "kiln_xyz");
		assertThat(PresentedApiKey.of(request)).isEqualTo("kiln_xyz");
	}

	private static MockHttpServletRequest request(String header, String value) {
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.addHeader(header, value);
		return request;
	}

}
