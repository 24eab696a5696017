package dev.kiln.contract;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Which callback URLs Kiln will POST webhooks to. The gateway checks a URL when it accepts a job and the queue
 * service checks it again before every delivery (DNS may have changed), with this one rule:
 * <ul>
 * <li>{@code https} only, unless {@code allowHttp} (local runs);</li>
 * <li>no user name or password in the URL;</li>
 * <li>the scheme's default port, unless {@code allowNonDefaultPorts};</li>
 * <li>every address the host resolves to must be public: not loopback, private (RFC 1918, IPv6 unique-local,
 * carrier-grade NAT), link-local (including the cloud metadata addresses 169.254.169.254 and fd00:ec2::254),
 * multicast, unspecified, or otherwise reserved — unless {@code allowPrivateNetworks} (tests, local runs).</li>
 * </ul>
 *
 * @param allowHttp accept {@code http} as well as {@code https}
 * @param allowNonDefaultPorts accept ports other than 80/443
 * @param allowPrivateNetworks accept hosts that resolve to non-public addresses
 */
public record CallbackUrlPolicy(boolean allowHttp, boolean allowNonDefaultPorts, boolean allowPrivateNetworks) {

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
	 * Checks a URL, resolving its host with the system resolver.
	 * @param url the URL
	 * @return {@code null} when it is acceptable, else why not
	 */
	public @Nullable String refusal(String url) {
		return refusal(url, (host) -> List.of(InetAddress.getAllByName(host)));
	}

	/**
	 * Checks a URL.
	 * @param url the URL
	 * @param resolver how to resolve its host
	 * @return {@code null} when it is acceptable, else why not (a sentence naming the rule)
	 */
	public @Nullable String refusal(String url, Resolver resolver) {
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			return "is not a valid URL";
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!scheme.equals("https") && !(this.allowHttp && scheme.equals("http"))) {
			return this.allowHttp ? "must use http or https" : "must use https";
		}
		if (uri.getRawUserInfo() != null) {
			return "must not contain a user name or password";
		}
		String host = uri.getHost();
		if (host == null || host.isBlank()) {
			return "must name a host";
		}
		int port = uri.getPort();
		int defaultPort = scheme.equals("https") ? 443 : 80;
		if (port != -1 && port != defaultPort && !this.allowNonDefaultPorts) {
			return "must use the default port " + defaultPort;
		}
		if (this.allowPrivateNetworks) {
			return null;
		}
		List<InetAddress> addresses;
		try {
			addresses = resolver.resolve(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
		}
		catch (UnknownHostException ex) {
			return "has a host that does not resolve";
		}
		if (addresses.isEmpty()) {
			return "has a host that does not resolve";
		}
		for (InetAddress address : addresses) {
			if (!isPublic(address)) {
				return "resolves to a non-public address (" + address.getHostAddress() + ")";
			}
		}
		return null;
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
