package dev.kiln.queue.webhook;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import dev.kiln.contract.CallbackUrlPolicy;

/**
 * Sends one webhook POST to a callback URL that the {@link CallbackUrlPolicy} checked, and connects to the very
 * addresses that check resolved: the host name is resolved once, every address is checked, and the HTTP client's
 * {@link DnsResolver} hands exactly those addresses to the connection (no second lookup, so a name that answers a
 * public address to the check and a private one a moment later cannot steer the request inside). The URL keeps its
 * host name, so TLS SNI and certificate host name verification are done against the name, as usual. The client follows
 * no redirects, retries nothing itself (the dispatcher retries), reads no proxy settings (a proxy would resolve the
 * name again) and keeps no cookies. A pooled connection is reused only for the same host and port, and it leads to an
 * address that passed the check when it was opened.
 */
final class WebhookSender implements AutoCloseable {

	/**
	 * The outcome of one attempt.
	 *
	 * @param refusal why the callback URL was refused (no request was made), or {@code null}
	 * @param failure why the request failed (connection, timeout, non-2xx status), or {@code null}
	 */
	record Outcome(@Nullable String refusal, @Nullable String failure) {

		boolean delivered() {
			return this.refusal == null && this.failure == null;
		}

	}

	private final CallbackUrlPolicy policy;

	private final CallbackUrlPolicy.Resolver resolver;

	private final PinnedResolver pinned = new PinnedResolver();

	private final CloseableHttpClient client;

	private final RestClient http;

	WebhookSender(CallbackUrlPolicy policy, CallbackUrlPolicy.Resolver resolver, Duration timeout) {
		this.policy = policy;
		this.resolver = resolver;
		Timeout limit = Timeout.of(timeout.toMillis(), TimeUnit.MILLISECONDS);
		this.client = HttpClients.custom()
			.setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
				.setDnsResolver(this.pinned)
				.setDefaultConnectionConfig(
						ConnectionConfig.custom().setConnectTimeout(limit).setSocketTimeout(limit).build())
				.build())
			.setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(limit).build())
			.disableRedirectHandling()
			.disableAutomaticRetries()
			.disableCookieManagement()
			.build();
		this.http = RestClient.builder().requestFactory(new HttpComponentsClientHttpRequestFactory(this.client)).build();
	}

	/**
	 * Checks the URL and, if it passes, POSTs the body to the addresses the check resolved.
	 * @param url the callback URL
	 * @param headers request headers besides {@code Content-Type}
	 * @param body the JSON body
	 * @return what happened
	 */
	Outcome post(String url, Map<String, String> headers, String body) {
		CallbackUrlPolicy.Check check = this.policy.check(url, this.resolver);
		if (!check.passed()) {
			return new Outcome(check.refusal(), null);
		}
		this.pinned.pin(check.host(), check.addresses());
		try {
			int status = this.http.post()
				.uri(URI.create(url))
				.contentType(MediaType.APPLICATION_JSON)
				.headers((h) -> headers.forEach(h::set))
				.body(body)
				.exchange((request, response) -> response.getStatusCode().value(), true);
			return new Outcome(null, (status >= 200 && status < 300) ? null : "HTTP " + status);
		}
		catch (RuntimeException ex) {
			return new Outcome(null, ex.getClass().getSimpleName().replace("Exception", "") + ": " + ex.getMessage());
		}
		finally {
			this.pinned.unpin();
		}
	}

	@Override
	public void close() throws IOException {
		this.client.close();
	}

	/**
	 * Answers the HTTP client's lookups from the addresses pinned for the current thread (the classic client connects
	 * on the thread that sends) and refuses every other name.
	 */
	private static final class PinnedResolver implements DnsResolver {

		private record Pin(String host, InetAddress[] addresses) {
		}

		private final ThreadLocal<@Nullable Pin> pins = new ThreadLocal<>();

		void pin(String host, List<InetAddress> addresses) {
			this.pins.set(new Pin(normal(host), addresses.toArray(InetAddress[]::new)));
		}

		void unpin() {
			this.pins.remove();
		}

		@Override
		public InetAddress[] resolve(String host) throws UnknownHostException {
			Pin pin = this.pins.get();
			if (pin == null || !pin.host().equals(normal(host))) {
				throw new UnknownHostException(host + " (not the callback host that was checked; no lookup made)");
			}
			return pin.addresses().clone();
		}

		@Override
		public String resolveCanonicalHostname(String host) {
			return host;
		}

		private static String normal(String host) {
			String bare = (host.startsWith("[") && host.endsWith("]")) ? host.substring(1, host.length() - 1) : host;
			return bare.toLowerCase(Locale.ROOT);
		}

	}

}
