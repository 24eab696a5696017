package dev.kiln.contract;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Which callback URLs Kiln will POST webhooks to. The gateway checks a URL when it accepts a job and the queue
 * service checks it again before every delivery (DNS may have changed), with this one rule:
 * <ul>
 * <li>{@code https} only, unless {@code allowHttp} (local runs);</li>
 * <li>no user name or password in the URL;</li>
 * <li>the scheme's default port, unless {@code allowNonDefaultPorts};</li>
 * <li>a host written as an IPv4 address must use the standard form, four decimal numbers (no octal, hexadecimal,
 * single-integer or short forms);</li>
 * <li>the host must resolve, and every address it resolves to must be public: not loopback, private (RFC 1918,
 * IPv6 unique-local, carrier-grade NAT), link-local (including the cloud metadata addresses 169.254.169.254 and
 * fd00:ec2::254), multicast, unspecified, or otherwise reserved — unless {@code allowPrivateNetworks} (tests, local
 * runs).</li>
 * </ul>
 * {@link #check} resolves the host once and returns the addresses it checked; a sender connects to those and does
 * not resolve the name again.
 *
 * @param allowHttp accept {@code http} as well as {@code https}
 * @param allowNonDefaultPorts accept ports other than 80/443
 * @param allowPrivateNetworks accept hosts that resolve to non-public addresses
 */
public record CallbackUrlPolicy(boolean allowHttp, boolean allowNonDefaultPorts, boolean allowPrivateNetworks) {

	private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");

	private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

	private static final Pattern STANDARD_IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

	private static final String NON_STANDARD_IPV4 = "has a host written as an IPv4 address in a non-standard form "
			+ "(octal, hexadecimal, a single integer, or other than four parts); write it as four decimal numbers "
			+ "from 0 to 255 without leading zeros, e.g. 203.0.113.7";

	private static final Resolver SYSTEM = (host) -> List.of(InetAddress.getAllByName(host));

	/** The production rule: https, default port, public addresses only. */
	public static CallbackUrlPolicy strict() {
		return new CallbackUrlPolicy(false, false, false);
	}

	/** Resolves a host name to its addresses; {@link InetAddress#getAllByName} in production. */
	@FunctionalInterface
	public interface Resolver {

		/** All addresses of the host. */
		List<InetAddress> resolve(String host) throws UnknownHostException;

	}

	/**
	 * What a check found: a refusal, or the host and the addresses that passed. A sender that connects must connect
	 * to these very addresses (resolving the host again opens a DNS-rebinding window between check and use).
	 *
	 * @param refusal why the URL is refused (a sentence naming the rule), or {@code null} when it passed
	 * @param host the URL's host as written, without IPv6 brackets; empty when refused before it was read
	 * @param addresses every address the host resolved to, all of them checked; empty when refused
	 */
	public record Check(@Nullable String refusal, String host, List<InetAddress> addresses) {

		public Check {
			addresses = List.copyOf(addresses);
		}

		static Check refused(String refusal, String host) {
			return new Check(refusal, host, List.of());
		}

		/** Whether the URL passed. */
		public boolean passed() {
			return this.refusal == null;
		}

	}

	/**
	 * Checks a URL, resolving its host with the system resolver.
	 * @param url the URL
	 * @return {@code null} when it is acceptable, else why not
	 */
	public @Nullable String refusal(String url) {
		return refusal(url, SYSTEM);
	}

	/**
	 * Checks a URL.
	 * @param url the URL
	 * @param resolver how to resolve its host
	 * @return {@code null} when it is acceptable, else why not (a sentence naming the rule)
	 */
	public @Nullable String refusal(String url, Resolver resolver) {
		return check(url, resolver).refusal();
	}

	/**
	 * Checks a URL and keeps the addresses its host resolved to (once), for a sender to connect to.
	 * @param url the URL
	 * @param resolver how to resolve its host; called at most once
	 * @return the outcome
	 */
	public Check check(String url, Resolver resolver) {
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			return Check.refused("is not a valid URL", "");
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!scheme.equals("https") && !(this.allowHttp && scheme.equals("http"))) {
			return Check.refused(this.allowHttp ? "must use http or https" : "must use https", "");
		}
		if (uri.getRawUserInfo() != null) {
			return Check.refused("must not contain a user name or password", "");
		}
		String written = uri.getHost();
		if (written == null || written.isBlank()) {
			// java.net.URI reads no host from some numeric forms (e.g. 0x7f.0.0.1): say why they are refused
			String authority = (uri.getRawAuthority() != null) ? uri.getRawAuthority() : "";
			String named = authority.replaceFirst("^.*@", "").replaceFirst(":[0-9]*$", "");
			return Check.refused(isNonStandardIpv4(named) ? NON_STANDARD_IPV4 : "must name a host", "");
		}
		String host = written.startsWith("[") ? written.substring(1, written.length() - 1) : written;
		int port = uri.getPort();
		int defaultPort = scheme.equals("https") ? 443 : 80;
		if (port != -1 && port != defaultPort && !this.allowNonDefaultPorts) {
			return Check.refused("must use the default port " + defaultPort, host);
		}
		if (!written.startsWith("[") && isNonStandardIpv4(host)) {
			return Check.refused(NON_STANDARD_IPV4, host);
		}
		List<InetAddress> addresses;
		try {
			addresses = resolver.resolve(host);
		}
		catch (UnknownHostException ex) {
			return Check.refused("has a host that does not resolve", host);
		}
		if (addresses.isEmpty()) {
			return Check.refused("has a host that does not resolve", host);
		}
		if (!this.allowPrivateNetworks) {
			for (InetAddress address : addresses) {
				if (!isPublic(address)) {
					return Check.refused("resolves to a non-public address (" + address.getHostAddress() + ")", host);
				}
			}
		}
		return new Check(null, host, addresses);
	}

	/**
	 * Whether a host is an IPv4 address written other than as four decimal numbers of 0-255 without leading zeros.
	 * As in the WHATWG URL standard, a host whose last label is a number (decimal, or hexadecimal with {@code 0x}) is
	 * an IPv4 address; resolvers and HTTP clients disagree on forms such as {@code 0177.0.0.1} (octal 127),
	 * {@code 0x7f.0.0.1}, {@code 2130706433} or {@code 127.1}, so only the standard form is accepted.
	 */
	static boolean isNonStandardIpv4(String host) {
		String[] labels = host.split("\\.", -1);
		String last = labels[labels.length - 1];
		if (last.isEmpty() && labels.length > 1) {
			last = labels[labels.length - 2];
		}
		return NUMERIC_LABEL.matcher(last).matches() && !STANDARD_IPV4.matcher(host).matches();
	}

	/** Whether an address is on the public internet. */
	static boolean isPublic(InetAddress address) {
		if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
				|| address.isSiteLocalAddress() || address.isMulticastAddress()) {
			return false;
		}
		byte[] b = address.getAddress();
		if (address instanceof Inet4Address) {
			int first = b[0] & 0xFF;
			int second = b[1] & 0xFF;
			return !(first == 0 // "this" network
					|| (first == 100 && second >= 64 && second <= 127) // carrier-grade NAT
					|| (first == 192 && second == 0 && (b[2] & 0xFF) == 0) // IETF protocol assignments
					|| (first == 192 && second == 0 && (b[2] & 0xFF) == 2) // TEST-NET-1
					|| (first == 198 && (second == 18 || second == 19)) // benchmarking
					|| (first == 198 && second == 51 && (b[2] & 0xFF) == 100) // TEST-NET-2
					|| (first == 203 && second == 0 && (b[2] & 0xFF) == 113) // TEST-NET-3
					|| first >= 240); // reserved and broadcast
		}
		if (address instanceof Inet6Address) {
			int first = b[0] & 0xFF;
			if ((first & 0xFE) == 0xFC) {
				return false; // unique local fc00::/7, includes fd00:ec2::254
			}
			if (first == 0x20 && (b[1] & 0xFF) == 0x01 && (b[2] & 0xFF) == 0x0D && (b[3] & 0xFF) == 0xB8) {
				return false; // documentation 2001:db8::/32
			}
			boolean mappedOrCompatible = true;
			for (int i = 0; i < 10; i++) {
				mappedOrCompatible &= b[i] == 0;
			}
			if (mappedOrCompatible && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xFF && b[11] == (byte) 0xFF))) {
				try {
					return isPublic(InetAddress.getByAddress(new byte[] { b[12], b[13], b[14], b[15] }));
				}
				catch (UnknownHostException ex) {
					return false;
				}
			}
			return (first & 0xE0) == 0x20; // global unicast 2000::/3
		}
		return false;
	}

}
