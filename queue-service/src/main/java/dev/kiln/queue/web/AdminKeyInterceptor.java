package dev.kiln.queue.web;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import lombok.RequiredArgsConstructor;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.HandlerInterceptor;

import dev.kiln.contract.RedisKeys;
import dev.kiln.support.apikey.ApiKeyIds;
import dev.kiln.support.apikey.PresentedApiKey;
import dev.kiln.support.problem.ProblemTypes;

/**
 * Lets through {@code /admin/**} requests that carry an admin API key ({@code Authorization: Bearer <key>} or
 * {@code X-Api-Key: <key>}), checked against the {@code {kiln}:apikey:{sha256 hex}} hashes the gateway writes: 401
 * without a valid key, 403 for a key without {@code admin=true}, both as problem+json.
 */
@Component
@RequiredArgsConstructor
class AdminKeyInterceptor implements HandlerInterceptor {

	private final StringRedisTemplate redis;

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		String key = PresentedApiKey.of(request);
		if (key == null) {
			throw unauthorized("An admin API key is required: send 'Authorization: Bearer <key>'.");
		}
		Map<String, String> record = this.redis.<String, String>opsForHash().entries(RedisKeys.apiKey(ApiKeyIds.of(key)));
		if (record.isEmpty()) {
			throw unauthorized("The API key is not valid.");
		}
		if (!"true".equals(record.get("admin"))) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN,
					"This endpoint needs an admin key.");
			problem.setType(ProblemTypes.FORBIDDEN);
			problem.setTitle("Forbidden");
			throw new ErrorResponseException(HttpStatus.FORBIDDEN, problem, null);
		}
		return true;
	}

	private static ErrorResponseException unauthorized(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, detail);
		problem.setType(ProblemTypes.UNAUTHORIZED);
		problem.setTitle("Unauthorized");
		ErrorResponseException ex = new ErrorResponseException(HttpStatus.UNAUTHORIZED, problem, null);
		ex.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"kiln\"");
		return ex;
	}

}
