package dev.kiln.gateway.web;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * An error answered with a problem+json response of a stable type; thrown by the feature packages and rendered by
 * the problem handler.
 */
public class ApiProblemException extends RuntimeException {

	private final HttpStatus status;

	private final URI type;

	private final String title;

	private final List<FieldProblem> errors;

	private final Map<String, String> headers;

	/**
	 * A problem.
	 * @param status the HTTP status
	 * @param type the stable type URI (see {@link ProblemTypes})
	 * @param title the short, fixed title of the type
	 * @param detail what happened in this case
	 * @param errors the offending fields, may be empty
	 * @param headers response headers to add (e.g. {@code Retry-After})
	 */
	public ApiProblemException(HttpStatus status, URI type, String title, String detail, List<FieldProblem> errors,
			Map<String, String> headers) {
		super(detail);
		this.status = status;
		this.type = type;
		this.title = title;
		this.errors = List.copyOf(errors);
		this.headers = Map.copyOf(headers);
	}

	/**
	 * A 400 invalid-request problem listing the offending fields.
	 * @param errors the offending fields
	 * @return the exception
	 */
	public static ApiProblemException invalid(List<FieldProblem> errors) {
		return new ApiProblemException(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_REQUEST, "Invalid request",
				"The request has " + errors.size() + " invalid field" + ((errors.size() == 1) ? "" : "s") + ".", errors,
				Map.of());
	}

	/** The HTTP status. */
	public HttpStatus status() {
		return this.status;
	}

	/** The type URI. */
	public URI type() {
		return this.type;
	}

	/** The title. */
	public String title() {
		return this.title;
	}

	/** The offending fields. */
	public List<FieldProblem> errors() {
		return this.errors;
	}

	/** Headers to add to the response. */
	public Map<String, String> headers() {
		return this.headers;
	}

	/**
	 * One offending field.
	 *
	 * @param field its path in the request ({@code width}, {@code metadata}, {@code Idempotency-Key})
	 * @param message what is wrong with it
	 */
	public record FieldProblem(String field, String message) {
	}

}
