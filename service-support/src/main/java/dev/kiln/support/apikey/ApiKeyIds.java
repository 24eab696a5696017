package dev.kiln.support.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The id of an API key: the lower-case hex SHA-256 of its UTF-8 bytes, under which {@code RedisKeys.apiKey(id)} stores
 * it. The raw key is never stored.
 */
public final class ApiKeyIds {

	private ApiKeyIds() {
	}

	/**
	 * The id of a raw key.
	 * @param key the key as presented
	 * @return 64 lower-case hex digits
	 */
	public static String of(String key) {
		return sha256Hex(key);
	}

	/**
	 * The lower-case hex SHA-256 of a string's UTF-8 bytes.
	 * @param value the string
	 * @return 64 lower-case hex digits
	 */
	public static String sha256Hex(String value) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is always available on the Java platform", ex);
		}
	}

}
