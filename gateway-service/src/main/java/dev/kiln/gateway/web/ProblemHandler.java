package dev.kiln.gateway.web;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.context.request.WebRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import dev.kiln.contract.Lane;
import dev.kiln.support.problem.AbstractProblemHandler;


/**
 * Turns every error into RFC 9457 {@code application/problem+json} with a stable {@code type}. Never exposes class
 * names or stack traces. What every service answers alike (Spring's own problems, the logged 500, the 503 with
 * {@code Retry-After}) comes from {@link AbstractProblemHandler}; here are the gateway's field errors, unreadable
 * bodies, {@link ApiProblemException}s and the status, title and headers of each {@link DomainException} type.
 */
@RestControllerAdvice
class ProblemHandler extends AbstractProblemHandler {

	/** How HTTP answers each type of {@link DomainException}: the feature packages name no statuses. */
	private static final Map<URI, Answer> DOMAIN_ANSWERS = Map.of(
			ProblemTypes.JOB_NOT_FOUND, new Answer(HttpStatus.NOT_FOUND, "Job not found", Map.of()),
			ProblemTypes.IMAGE_NOT_FOUND, new Answer(HttpStatus.NOT_FOUND, "Image not found", Map.of()),
			ProblemTypes.JOB_FINISHED, new Answer(HttpStatus.CONFLICT, "Job finished", Map.of()),
			ProblemTypes.IDEMPOTENCY_KEY_REUSED,
			new Answer(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency key reused", Map.of()),
			ProblemTypes.QUOTA_EXCEEDED,
			new Answer(HttpStatus.TOO_MANY_REQUESTS, "Too many queued jobs", Map.of(HttpHeaders.RETRY_AFTER, "10")),
			ProblemTypes.SERVICE_UNAVAILABLE, new Answer(HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable",
					Map.of(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)));

	@Override
	protected @Nullable ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<Map<String, Object>> errors = new ArrayList<>();
		ex.getBindingResult()
			.getFieldErrors()
			.stream()
			.sorted(Comparator.comparing(FieldError::getField).thenComparing((e) -> String.valueOf(e.getDefaultMessage())))
			.forEach((error) -> errors.add(fieldError(error.getField(), error.getDefaultMessage())));
		ex.getBindingResult()
			.getGlobalErrors()
			.forEach((error) -> errors.add(fieldError("", error.getDefaultMessage())));
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
				"The request has " + errors.size() + " invalid field" + ((errors.size() == 1) ? "" : "s") + ".");
		problem.setType(ProblemTypes.INVALID_REQUEST);
		problem.setTitle("Invalid request");
		problem.setProperty("errors", errors);
		return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
	}

	@Override
	protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		ProblemDetail problem = ProblemDetail.forStatus(HttpStatus.BAD_REQUEST);
		problem.setType(ProblemTypes.MALFORMED_REQUEST);
		problem.setTitle("Malformed request body");
		BodySizeLimitFilter.BodyTooLargeException tooLarge = findCause(ex, BodySizeLimitFilter.BodyTooLargeException.class);
		if (tooLarge != null) {
			ProblemDetail large = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE, tooLarge.getMessage());
			large.setType(ProblemTypes.PAYLOAD_TOO_LARGE);
			large.setTitle("Payload too large");
			return handleExceptionInternal(ex, large, headers, HttpStatus.CONTENT_TOO_LARGE, request);
		}
		JacksonException jackson = findCause(ex, JacksonException.class);
		if (jackson != null && !jackson.getPath().isEmpty()) {
			String path = path(jackson.getPath());
			problem.setDetail("The body could not be read at '" + path + "': " + reason(jackson) + ".");
			problem.setProperty("errors", List.of(fieldError(path, reason(jackson))));
		}
		else {
			problem.setDetail("The body is missing or is not valid JSON.");
		}
		return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
	}

	@Override
	protected @Nullable ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
			HttpStatusCode status, WebRequest request) {
		String field = (ex.getPropertyName() != null) ? ex.getPropertyName() : "";
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
				"The parameter '" + field + "' has an invalid value.");
		problem.setType(ProblemTypes.INVALID_REQUEST);
		problem.setTitle("Invalid request");
		problem.setProperty("errors", List.of(fieldError(field, "has an invalid value")));
		return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
	}

	@Override
	protected @Nullable ResponseEntity<Object> handleHandlerMethodValidationException(
			HandlerMethodValidationException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<Map<String, Object>> errors = new ArrayList<>();
		ex.getParameterValidationResults().forEach((result) -> result.getResolvableErrors().forEach((error) -> {
			String name = result.getMethodParameter().getParameterName();
			RequestParam param = result.getMethodParameter().getParameterAnnotation(RequestParam.class);
			if (param != null && !param.name().isEmpty()) {
				name = param.name();
			}
			errors.add(fieldError((name != null) ? name : "", error.getDefaultMessage()));
		}));
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
				"The request has " + errors.size() + " invalid parameter" + ((errors.size() == 1) ? "" : "s") + ".");
		problem.setType(ProblemTypes.INVALID_REQUEST);
		problem.setTitle("Invalid request");
		problem.setProperty("errors", errors);
		return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
	}

	@ExceptionHandler(ApiProblemException.class)
	ResponseEntity<ProblemDetail> apiProblem(ApiProblemException ex) {
		return respond(ex.status(), ex.type(), ex.title(), ex.getMessage(), ex.errors(),
				ex.headers());
	}

	/**
	 * A refusal of a feature package, answered with the status, title and headers of its type.
	 * @param ex the refusal
	 * @return the problem response; a logged 500 for a type without an answer here (a bug)
	 */
	@ExceptionHandler(DomainException.class)
	ResponseEntity<ProblemDetail> domainProblem(DomainException ex) {
		Answer answer = DOMAIN_ANSWERS.get(ex.type());
		if (answer == null) {
			return unexpected(ex);
		}
		return respond(answer.status(), ex.type(), answer.title(), ex.getMessage(), ex.errors(),
				answer.headers());
	}

	private static ResponseEntity<ProblemDetail> respond(HttpStatus status, URI type, String title, @Nullable String detail,
			List<ApiProblemException.FieldProblem> errors, Map<String, String> headers) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setType(type);
		problem.setTitle(title);
		if (!errors.isEmpty()) {
			problem.setProperty("errors",
					errors.stream().map((error) -> fieldError(error.field(), error.message())).toList());
		}
		ResponseEntity.BodyBuilder response = ResponseEntity.status(status)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		headers.forEach(response::header);
		return response.body(problem);
	}

	/**
	 * Redis failed or did not answer in time (a restart, a failover, a connection reset). What the command did is
	 * unknown, so the caller is told to retry; a retried submission with the same {@code Idempotency-Key} answers
	 * with the job if the first one was recorded.
	 */
	@ExceptionHandler(DataAccessException.class)
	ResponseEntity<ProblemDetail> storeUnavailable(DataAccessException ex) {
		this.log.warn("Job store unavailable: {}", ex.toString());
		return unavailable("The job store is not available right now; retry later (with the same Idempotency-Key).");
	}

	private static Map<String, Object> fieldError(String field, @Nullable String message) {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("field", field);
		error.put("message", (message != null) ? message : "is invalid");
		return error;
	}

	private static String path(List<JacksonException.Reference> references) {
		StringBuilder path = new StringBuilder();
		for (JacksonException.Reference reference : references) {
			if (reference.getPropertyName() != null) {
				if (!path.isEmpty()) {
					path.append('.');
				}
				path.append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				path.append('[').append(reference.getIndex()).append(']');
			}
		}
		return path.toString();
	}

	private static String reason(JacksonException ex) {
		if (ex instanceof UnrecognizedPropertyException) {
			return "unknown field";
		}
		if (ex instanceof MismatchedInputException mismatch) {
			Class<?> target = mismatch.getTargetType();
			if (target == null) {
				return "wrong type or format";
			}
			if (target == Integer.class || target == int.class || target == Long.class || target == long.class) {
				return "must be a JSON integer (no quotes, no fraction)";
			}
			if (target == Double.class || target == double.class) {
				return "must be a JSON number (no quotes)";
			}
			if (target == String.class) {
				return "must be a JSON string";
			}
			if (target == Boolean.class || target == boolean.class) {
				return "must be true or false";
			}
			if (target == Lane.class) {
				return "must be one of \"interactive\", \"standard\", \"batch\" (lower case)";
			}
			if (target == OffsetDateTime.class) {
				return "must be an RFC 3339 date-time string with an offset, e.g. \"2030-01-01T12:00:00Z\"";
			}
			if (Map.class.isAssignableFrom(target)) {
				return "must be a JSON object";
			}
			if (target.isEnum()) {
				return "must be one of the values the API document lists, exactly as written there";
			}
			if (java.util.Collection.class.isAssignableFrom(target)) {
				return "must be a JSON array";
			}
			return "wrong type or format";
		}
		return "unreadable value";
	}

	/**
	 * The HTTP answer to one problem type.
	 *
	 * @param status its status
	 * @param title its short, fixed title
	 * @param headers headers to add (e.g. {@code Retry-After})
	 */
	private record Answer(HttpStatus status, String title, Map<String, String> headers) {
	}

	private static <T extends Throwable> @Nullable T findCause(Throwable ex, Class<T> type) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return type.cast(cause);
			}
		}
		return null;
	}

}
