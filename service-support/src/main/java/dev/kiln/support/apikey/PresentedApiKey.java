package dev.kiln.support.apikey;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;

/**
 * The API key a request presents: {@code Authorization: Bearer <key>} (the scheme in any case) or, without a bearer
 * token, {@code X-Api-Key: <key>}. Surrounding blanks are not part of the key.
 */
public final class PresentedApiKey {

	/** The header that carries a key when {@code Authorization} does not. */
	public static final String HEADER = "X-Api-Key";

	private static final String BEARER = "Bearer ";

	private PresentedApiKey() {
	}

	/**
	 * The key the request presents.
	 * @param request the request
	 * @return the key, or {@code null} when the request presents none (or only blanks)
	 */
	public static @Nullable String of(HttpServletRequest request) {
		String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
		if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
			String key = authorization.substring(BEARER.length()).trim();
			return key.isEmpty() ? null : key;
		}
		String header = request.getHeader(HEADER);
		return (header != null && !header.isBlank()) ? header.trim() : null;
	}

}
