package dev.kiln.gateway.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses JSON bodies that are not well-formed UTF-8 (overlong forms, surrogates, truncated sequences) with a 400
 * {@code malformed-request} problem before any parser sees them; a lenient decoder would otherwise turn
 * {@code C0 AF} into {@code /}. Runs after {@link BodySizeLimitFilter}, so at most the size limit is buffered.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class Utf8BodyFilter extends OncePerRequestFilter {

	private final ProblemResponses problems;

	Utf8BodyFilter(JsonMapper json) {
		this.problems = new ProblemResponses(json);
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String contentType = request.getContentType();
		return contentType == null || !contentType.toLowerCase(Locale.ROOT).contains("json");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		byte[] body;
		try {
			body = request.getInputStream().readAllBytes();
		}
		catch (BodySizeLimitFilter.BodyTooLargeException ex) {
			this.problems.write(request, response, HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE,
					"Payload too large", ex.getMessage());
			return;
		}
		try {
			StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(body));
		}
		catch (CharacterCodingException ex) {
			this.problems.write(request, response, HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_REQUEST,
					"Malformed request body", "The body is not well-formed UTF-8.");
			return;
		}
		chain.doFilter(new CachedBodyRequest(request, body), response);
	}

	private static final class CachedBodyRequest extends HttpServletRequestWrapper {

		private final byte[] body;

		CachedBodyRequest(HttpServletRequest request, byte[] body) {
			super(request);
			this.body = body;
		}

		@Override
		public ServletInputStream getInputStream() {
			ByteArrayInputStream in = new ByteArrayInputStream(this.body);
			return new ServletInputStream() {

				@Override
				public int read() {
					return in.read();
				}

				@Override
				public int read(byte[] b, int off, int len) {
					return in.read(b, off, len);
				}

				@Override
				public boolean isFinished() {
					return in.available() == 0;
				}

				@Override
				public boolean isReady() {
					return true;
				}

				@Override
				public void setReadListener(ReadListener listener) {
					throw new IllegalStateException("Asynchronous reading is not supported");
				}

			};
		}

	}

}
