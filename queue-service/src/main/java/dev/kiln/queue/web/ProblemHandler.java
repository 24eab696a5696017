package dev.kiln.queue.web;

import java.net.URI;
import java.util.concurrent.CompletionException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns every error into RFC 9457 {@code application/problem+json} with a stable {@code type}; never exposes class
 * names or stack traces. SQS or Redis being unreachable is a 503 with {@code Retry-After}.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

	@ExceptionHandler({ SdkException.class, DataAccessException.class, CompletionException.class })
	ResponseEntity<ProblemDetail> unavailable(Exception ex) {
		if (ex instanceof CompletionException && !(ex.getCause() instanceof SdkException)) {
			return unexpected(ex);
		}
		log.warn("A dependency is unavailable: {}", ex.getMessage());
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"A queue or the job store is unavailable; try again shortly.");
		problem.setType(ProblemTypes.SERVICE_UNAVAILABLE);
		problem.setTitle("Service unavailable");
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "5").body(problem);
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<ProblemDetail> unexpected(Exception ex) {
		log.error("Unhandled error", ex);
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
				"Something went wrong on our side; it has been logged.");
		problem.setType(ProblemTypes.INTERNAL_ERROR);
		problem.setTitle("Internal error");
		return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(problem);
	}

	@Override
	protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers,
			HttpStatusCode statusCode, WebRequest request) {
		if (body instanceof ProblemDetail problem
				&& (problem.getType() == null || "about:blank".equals(problem.getType().toString()))) {
			problem.setType(typeFor(statusCode));
		}
		return super.createResponseEntity(body, headers, statusCode, request);
	}

	private static URI typeFor(HttpStatusCode status) {
		return switch (status.value()) {
			case 400 -> ProblemTypes.INVALID_REQUEST;
			case 401 -> ProblemTypes.UNAUTHORIZED;
			case 403 -> ProblemTypes.FORBIDDEN;
			case 404 -> ProblemTypes.NOT_FOUND;
			case 405 -> ProblemTypes.METHOD_NOT_ALLOWED;
			case 415 -> ProblemTypes.UNSUPPORTED_MEDIA_TYPE;
			case 503 -> ProblemTypes.SERVICE_UNAVAILABLE;
			default -> ProblemTypes.INTERNAL_ERROR;
		};
	}

}
