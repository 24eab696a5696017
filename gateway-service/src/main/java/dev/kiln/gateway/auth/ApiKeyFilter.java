package dev.kiln.gateway.auth;

import java.io.IOException;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.web.ProblemResponses;
import dev.kiln.gateway.web.ProblemTypes;
import dev.kiln.support.apikey.PresentedApiKey;

/**
 * Establishes the {@link Caller} of every {@code /v1/**} and {@code /admin/**} request from
 * {@code Authorization: Bearer <key>} or {@code X-Api-Key: <key>}; answers 401 without a valid key and 403 when a
 * non-admin key reaches {@code /admin/**}. Everything else (the web page, the API docs, actuator) is public.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class ApiKeyFilter extends OncePerRequestFilter {

	private final ApiKeys keys;

	private final ProblemResponses problems;

	private final @Nullable String anonymousTenant;

	ApiKeyFilter(ApiKeys keys, JsonMapper json, GatewayApiProperties properties) {
		this.keys = keys;
		this.problems = new ProblemResponses(json);
		this.anonymousTenant = properties.auth().anonymousTenant();
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		return !(path.startsWith("/v1/") || path.equals("/v1") || path.startsWith("/admin/") || path.equals("/admin"));
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String key = PresentedApiKey.of(request);
		Optional<Caller> caller;
		if (key == null) {
			caller = (this.anonymousTenant != null)
					? Optional.of(new Caller(this.anonymousTenant, false, "anonymous")) : Optional.empty();
			if (caller.isEmpty()) {
				unauthorized(request, response, "An API key is required: send 'Authorization: Bearer <key>'.");
				return;
			}
		}
		else {
			try {
				caller = this.keys.lookup(key);
			}
			catch (RuntimeException ex) {
				// keys live in Redis: while it is unreachable the caller should retry, not see a 500
				response.setHeader(HttpHeaders.RETRY_AFTER, "5");
				this.problems.write(request, response, HttpStatus.SERVICE_UNAVAILABLE,
						ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable",
						"API keys cannot be checked right now; retry later.");
				return;
			}
			if (caller.isEmpty()) {
				unauthorized(request, response, "The API key is not valid.");
				return;
			}
		}
		String path = request.getRequestURI().substring(request.getContextPath().length());
		if (path.startsWith("/admin") && !caller.get().admin()) {
			this.problems.write(request, response, HttpStatus.FORBIDDEN, ProblemTypes.FORBIDDEN, "Forbidden",
					"This endpoint needs an admin key.");
			return;
		}
		request.setAttribute(Caller.ATTRIBUTE, caller.get());
		chain.doFilter(request, response);
	}

	private void unauthorized(HttpServletRequest request, HttpServletResponse response, String detail)
			throws IOException {
		response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"kiln\"");
		this.problems.write(request, response, HttpStatus.UNAUTHORIZED, ProblemTypes.UNAUTHORIZED, "Unauthorized",
				detail);
	}

}
