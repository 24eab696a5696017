package dev.kiln.queue.webhook;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The signature header and the README's verification recipe agree with openssl. */
class WebhookSignatureTests {

	private static final String BODY = "{\"id\":\"x\"}";

	@Test
	void signsTimestampDotBodyWithHmacSha256LikeOpenssl() {
		// printf '%s' '1700000000.{"id":"x"}' | openssl dgst -sha256 -hmac 'whsec_test' -hex
		assertThat(WebhookSignature.header("whsec_test", 1_700_000_000L, BODY))
			.isEqualTo("t=1700000000,v1=80e8d098018f757aa814ab1abb924f35d304affa1d93d29611a54696207eb7c3");
	}

	@Test
	void verifiesAnAuthenticRecentBodyOnly() {
		String header = WebhookSignature.header("whsec_test", 1_700_000_000L, BODY);
		assertThat(WebhookSignature.verify("whsec_test", header, BODY, 1_700_000_100L, 300)).isTrue();
		assertThat(WebhookSignature.verify("whsec_other", header, BODY, 1_700_000_100L, 300)).isFalse();
		assertThat(WebhookSignature.verify("whsec_test", header, "{\"id\":\"y\"}", 1_700_000_100L, 300)).isFalse();
		assertThat(WebhookSignature.verify("whsec_test", header, BODY, 1_700_001_000L, 300)).isFalse();
		assertThat(WebhookSignature.verify("whsec_test", "v1=abc", BODY, 1_700_000_000L, 300)).isFalse();
	}

	@Test
	void backoffDoublesWithJitterUpToTheCap() {
		Duration initial = Duration.ofSeconds(10);
		Duration max = Duration.ofHours(1);
		for (int i = 0; i < 50; i++) {
			assertThat(WebhookDispatcher.backoff(1, initial, max)).isBetween(Duration.ofSeconds(5), initial);
			assertThat(WebhookDispatcher.backoff(4, initial, max)).isBetween(Duration.ofSeconds(40), Duration.ofSeconds(80));
			assertThat(WebhookDispatcher.backoff(30, initial, max)).isBetween(Duration.ofMinutes(30), max);
			assertThat(WebhookDispatcher.backoff(10_000, initial, max)).isBetween(Duration.ofMinutes(30), max);
		}
	}

}
