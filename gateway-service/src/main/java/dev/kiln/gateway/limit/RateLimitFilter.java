package dev.kiln.gateway.limit;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.web.ProblemResponses;
import dev.kiln.gateway.web.ProblemTypes;

/**
 * Applies the caller's tenant rate limit to every authenticated request and reports it in {@code RateLimit-Limit},
 * {@code RateLimit-Remaining} and {@code RateLimit-Reset}; over the limit the answer is 429 with
 * {@code Retry-After}. Runs after the API key filter.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 30)
class RateLimitFilter extends OncePerRequestFilter {

	private final TenantRateLimiter limiter;

	private final ProblemResponses problems;

	RateLimitFilter(TenantRateLimiter limiter, JsonMapper json) {
		this.limiter = limiter;
		this.problems = new ProblemResponses(json);
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!(request.getAttribute(Caller.ATTRIBUTE) instanceof Caller caller)) {
			chain.doFilter(request, response);
			return;
		}
		TenantRateLimiter.Decision decision;
		try {
			decision = this.limiter.tryAcquire(caller.tenant());
		}
		catch (RuntimeException ex) {
			// the buckets live in Redis: while it is unreachable the caller should retry, not see a 500
			response.setHeader(HttpHeaders.RETRY_AFTER, "5");
			this.problems.write(request, response, HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.SERVICE_UNAVAILABLE,
					"Service unavailable", "Request limits cannot be checked right now; retry later.");
			return;
		}
		response.setHeader("RateLimit-Limit", Long.toString(decision.limit()));
		response.setHeader("RateLimit-Remaining", Long.toString(decision.remaining()));
		response.setHeader("RateLimit-Reset", Long.toString(decision.resetSeconds()));
		if (!decision.allowed()) {
			response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(decision.retryAfterSeconds()));
			this.problems.write(request, response, HttpStatus.TOO_MANY_REQUESTS, ProblemTypes.RATE_LIMITED,
					"Too many requests", "Tenant '" + caller.tenant() + "' is over its request rate; retry after "
							+ decision.retryAfterSeconds() + " s.");
			return;
		}
		chain.doFilter(request, response);
	}

}
