package dev.kiln.support.problem;

import java.net.URI;

import org.springframework.http.HttpStatusCode;

/**
 * The problem type URIs every Kiln service uses with the same meaning. Clients may switch on them; they never change
 * meaning. A service adds its own types with {@link #of(String)}.
 */
public final class ProblemTypes {

	/** Where every Kiln problem type lives. */
	public static final String BASE = "https://kiln.dev/problems/";

	/** The request body or parameters are invalid; {@code errors} lists each field. */
	public static final URI INVALID_REQUEST = of("invalid-request");

	/** The request carries no API key or an invalid one. */
	public static final URI UNAUTHORIZED = of("unauthorized");

	/** The API key may not use this endpoint. */
	public static final URI FORBIDDEN = of("forbidden");

	/** No such endpoint. */
	public static final URI NOT_FOUND = of("not-found");

	/** The method is not allowed on this endpoint. */
	public static final URI METHOD_NOT_ALLOWED = of("method-not-allowed");

	/** The response media type asked for in {@code Accept} cannot be produced. */
	public static final URI NOT_ACCEPTABLE = of("not-acceptable");

	/** The request body is larger than the service accepts. */
	public static final URI PAYLOAD_TOO_LARGE = of("payload-too-large");

	/** The content type is not supported. */
	public static final URI UNSUPPORTED_MEDIA_TYPE = of("unsupported-media-type");

	/** Too many requests; {@code Retry-After} says when to try again. */
	public static final URI RATE_LIMITED = of("rate-limited");

	/** A dependency (queue, Redis, store) is unavailable; retry later. */
	public static final URI SERVICE_UNAVAILABLE = of("service-unavailable");

	/** Anything else; the server logged the cause. */
	public static final URI INTERNAL_ERROR = of("internal-error");

	private ProblemTypes() {
	}

	/**
	 * A Kiln problem type.
	 * @param name the type's name, lower-case words joined by hyphens
	 * @return {@value #BASE} followed by the name
	 */
	public static URI of(String name) {
		return URI.create(BASE + name);
	}

	/**
	 * The type of a problem Spring MVC raised itself (an unmapped path, a wrong method, an unreadable body...), which
	 * comes without one: the type that names its status, {@link #INTERNAL_ERROR} for a status without one.
	 * @param status the response status
	 * @return the problem type for that status
	 */
	public static URI forStatus(HttpStatusCode status) {
		return switch (status.value()) {
			case 400 -> INVALID_REQUEST;
			case 401 -> UNAUTHORIZED;
			case 403 -> FORBIDDEN;
			case 404 -> NOT_FOUND;
			case 405 -> METHOD_NOT_ALLOWED;
			case 406 -> NOT_ACCEPTABLE;
			case 413 -> PAYLOAD_TOO_LARGE;
			case 415 -> UNSUPPORTED_MEDIA_TYPE;
			case 429 -> RATE_LIMITED;
			case 503 -> SERVICE_UNAVAILABLE;
			default -> INTERNAL_ERROR;
		};
	}

}
