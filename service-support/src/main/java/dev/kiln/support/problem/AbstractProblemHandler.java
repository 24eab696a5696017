package dev.kiln.support.problem;

import java.net.URI;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The base of every Kiln service's {@code @RestControllerAdvice}: turns every error into RFC 9457
 * {@code application/problem+json} with a stable {@link ProblemTypes type} and never exposes class names or stack
 * traces. Problems Spring MVC raises itself get the type of their status; any exception no handler maps is a logged
 * 500 {@link ProblemTypes#INTERNAL_ERROR}. A service's subclass adds handlers for its own exceptions, built with
 * {@link #problem} and {@link #unavailable}.
 */
public abstract class AbstractProblemHandler extends ResponseEntityExceptionHandler {

	/** Seconds a client is asked to wait ({@code Retry-After}) when a dependency is unavailable. */
	public static final String RETRY_AFTER_SECONDS = "5";

	/** The log of the concrete handler, so that its category names the service's class. */
	protected final Logger log = LoggerFactory.getLogger(getClass());

	/**
	 * A problem with every member set.
	 * @param status the status
	 * @param type the problem type
	 * @param title the short, unchanging summary of the type
	 * @param detail this occurrence, for a person to read
	 * @return the problem
	 */
	protected static ProblemDetail problem(HttpStatusCode status, URI type, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setType(type);
		problem.setTitle(title);
		return problem;
	}

	/**
	 * A 503 {@link ProblemTypes#SERVICE_UNAVAILABLE} with {@code Retry-After}: a dependency failed or did not answer,
	 * so what the request did is unknown and the caller should retry.
	 * @param detail what is unavailable and what to do
	 * @return the response
	 */
	protected static ResponseEntity<ProblemDetail> unavailable(String detail) {
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
			.body(problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable",
					detail));
	}

	/**
	 * Anything no other handler maps: logged with its stack trace, answered without it.
	 * @param ex the exception
	 * @return a 500 {@link ProblemTypes#INTERNAL_ERROR}
	 */
	@ExceptionHandler(Exception.class)
	protected ResponseEntity<ProblemDetail> unexpected(Exception ex) {
		this.log.error("Unhandled error", ex);
		return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem(HttpStatus.INTERNAL_SERVER_ERROR, ProblemTypes.INTERNAL_ERROR, "Internal error",
					"Something went wrong on our side; it has been logged."));
	}

	@Override
	protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers,
			HttpStatusCode statusCode, WebRequest request) {
		if (body instanceof ProblemDetail problem
				&& (problem.getType() == null || "about:blank".equals(problem.getType().toString()))) {
			problem.setType(ProblemTypes.forStatus(statusCode));
		}
		return super.createResponseEntity(body, headers, statusCode, request);
	}

}
