package dev.kiln.queue.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Kiln-Signature} header, Stripe-style: {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>}.
 * Receivers recompute the HMAC over the timestamp and the raw body, compare in constant time, and refuse old
 * timestamps (replays).
 */
public final class WebhookSignature {

	/** The header carrying the signature. */
	public static final String HEADER = "Kiln-Signature";

	private WebhookSignature() {
	}

	/**
	 * Signs a body.
	 * @param secret the tenant's webhook secret
	 * @param unixSeconds when it is sent
	 * @param body the exact bytes sent, as UTF-8 text
	 * @return the header value
	 */
	public static String header(String secret, long unixSeconds, String body) {
		return "t=" + unixSeconds + ",v1=" + hmac(secret, unixSeconds + "." + body);
	}

	/**
	 * Verifies a header, as a receiver would.
	 * @param secret the tenant's webhook secret
	 * @param header the received header value
	 * @param body the received body
	 * @param nowSeconds the receiver's clock
	 * @param toleranceSeconds how old a signature may be
	 * @return whether the body is authentic and recent
	 */
	public static boolean verify(String secret, String header, String body, long nowSeconds, long toleranceSeconds) {
		long t = -1;
		String v1 = null;
		for (String part : header.split(",")) {
			String[] pair = part.trim().split("=", 2);
			if (pair.length == 2 && pair[0].equals("t")) {
				try {
					t = Long.parseLong(pair[1]);
				}
				catch (NumberFormatException ex) {
					return false;
				}
			}
			else if (pair.length == 2 && pair[0].equals("v1")) {
				v1 = pair[1];
			}
		}
		if (t < 0 || v1 == null || Math.abs(nowSeconds - t) > toleranceSeconds) {
			return false;
		}
		return MessageDigest.isEqual(hmac(secret, t + "." + body).getBytes(StandardCharsets.US_ASCII),
				v1.getBytes(StandardCharsets.US_ASCII));
	}

	private static String hmac(String secret, String payload) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
			return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException | InvalidKeyException ex) {
			throw new IllegalStateException("HMAC-SHA256 is always available", ex);
		}
	}

}
