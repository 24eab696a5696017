package dev.kiln.queue.web;

import java.util.concurrent.CompletionException;

import org.springframework.dao.DataAccessException;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import software.amazon.awssdk.core.exception.SdkException;

import dev.kiln.support.problem.AbstractProblemHandler;

/**
 * Turns every error into RFC 9457 {@code application/problem+json} with a stable {@code type}; never exposes class
 * names or stack traces ({@link AbstractProblemHandler}). SQS or Redis being unreachable is a 503 with
 * {@code Retry-After}.
 */
@RestControllerAdvice
class ProblemHandler extends AbstractProblemHandler {

	@ExceptionHandler({ SdkException.class, DataAccessException.class, CompletionException.class })
	ResponseEntity<ProblemDetail> unavailable(Exception ex) {
		if (ex instanceof CompletionException && !(ex.getCause() instanceof SdkException)) {
			return unexpected(ex);
		}
		this.log.warn("A dependency is unavailable: {}", ex.getMessage());
		return unavailable("A queue or the job store is unavailable; try again shortly.");
	}

}
