package dev.kiln.queue.web;

import dev.kiln.support.apikey.ApiKeyIds;

/** Exposes the API key hashing to tests in other packages. */
public final class TestKeys {

	private TestKeys() {
	}

	/** The hex SHA-256 under which an API key is stored. */
	public static String sha256Hex(String key) {
		return ApiKeyIds.of(key);
	}

}
