package dev.kiln.support.apikey;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeyIdsTests {

	// FIPS 180-2 appendix B.1 ("abc") and the SHA-256 of the empty string, as published by NIST
	@Test
	void theIdIsTheLowerCaseHexSha256OfTheKey() {
		assertThat(ApiKeyIds.of("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		assertThat(ApiKeyIds.sha256Hex(""))
			.isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	}

	@Test
	void hashesTheUtf8Bytes() {
		// "é" is two bytes in UTF-8 (c3 a9), one in Latin-1: the ids must differ from the Latin-1 reading
		assertThat(ApiKeyIds.of("é")).hasSize(64)
			.isEqualTo(ApiKeyIds.of(new String(new byte[] { (byte) 0xc3, (byte) 0xa9 },
					java.nio.charset.StandardCharsets.UTF_8)))
			.isNotEqualTo(ApiKeyIds.of("\u00c3\u00a9"));
	}

}
