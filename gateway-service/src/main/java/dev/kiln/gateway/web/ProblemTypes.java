package dev.kiln.gateway.web;

import java.net.URI;

/** Stable problem type URIs. Clients may switch on them; they never change meaning. */
public final class ProblemTypes {

	private static final String BASE = "https://kiln.dev/problems/";

	/** The request body or parameters are invalid; {@code errors} lists each field. */
	public static final URI INVALID_REQUEST = URI.create(BASE + "invalid-request");

	/** The body is not JSON of the expected shape (syntax, unknown field, wrong type). */
	public static final URI MALFORMED_REQUEST = URI.create(BASE + "malformed-request");

	/** No job with that id is visible to the caller. */
	public static final URI JOB_NOT_FOUND = URI.create(BASE + "job-not-found");

	/** The request carries no API key or an invalid one. */
	public static final URI UNAUTHORIZED = URI.create(BASE + "unauthorized");

	/** The API key may not use this endpoint. */
	public static final URI FORBIDDEN = URI.create(BASE + "forbidden");

	/** The request body is larger than the gateway accepts. */
	public static final URI PAYLOAD_TOO_LARGE = URI.create(BASE + "payload-too-large");

	/** Too many requests; {@code Retry-After} says when to try again. */
	public static final URI RATE_LIMITED = URI.create(BASE + "rate-limited");

	/** The tenant has as many waiting jobs as it may; retry when some have started. */
	public static final URI QUOTA_EXCEEDED = URI.create(BASE + "quota-exceeded");

	/** The {@code Idempotency-Key} was used before with a different request body. */
	public static final URI IDEMPOTENCY_KEY_REUSED = URI.create(BASE + "idempotency-key-reused");

	/** The job has finished and can no longer be changed (e.g. cancelled). */
	public static final URI JOB_FINISHED = URI.create(BASE + "job-finished");

	/** The job has no image with that number (yet). */
	public static final URI IMAGE_NOT_FOUND = URI.create(BASE + "image-not-found");

	/** An uploaded image is not a PNG, JPEG or WebP image that decodes, or its size is out of range. */
	public static final URI INVALID_IMAGE = URI.create(BASE + "invalid-image");

	/** The response media type asked for in {@code Accept} cannot be produced. */
	public static final URI NOT_ACCEPTABLE = URI.create(BASE + "not-acceptable");

	/** No such endpoint. */
	public static final URI NOT_FOUND = URI.create(BASE + "not-found");

	/** No API key with that id (admin API). */
	public static final URI API_KEY_NOT_FOUND = URI.create(BASE + "api-key-not-found");

	/** The method is not allowed on this endpoint. */
	public static final URI METHOD_NOT_ALLOWED = URI.create(BASE + "method-not-allowed");

	/** The content type is not supported. */
	public static final URI UNSUPPORTED_MEDIA_TYPE = URI.create(BASE + "unsupported-media-type");

	/** A dependency (queue, store) is unavailable; retry later. */
	public static final URI SERVICE_UNAVAILABLE = URI.create(BASE + "service-unavailable");

	/**
	 * The request target is not a path the gateway accepts: an encoded slash ({@code %2F}), backslash or NUL
	 * ({@code %00}), a {@code ..} above the root, a bad {@code %} escape, or a character HTTP does not allow there.
	 * Answered by the HTTP connector before any endpoint sees the request.
	 */
	public static final URI INVALID_URI = URI.create(BASE + "invalid-uri");

	/**
	 * The request line and headers together are larger than the gateway reads (Tomcat's
	 * {@code max-http-request-header-size}, 8 KB by default); status 431.
	 */
	public static final URI REQUEST_HEADER_TOO_LARGE = URI.create(BASE + "request-header-too-large");

	/**
	 * The request is not well-formed HTTP/1.1: a bad request line, method or header, a missing or repeated
	 * {@code Host}, conflicting lengths, or a broken chunked body. Answered by the HTTP connector.
	 */
	public static final URI MALFORMED_HTTP_REQUEST = URI.create(BASE + "malformed-http-request");

	/** The request asks for something the server does not do at all (e.g. {@code CONNECT}, an unknown transfer coding). */
	public static final URI NOT_IMPLEMENTED = URI.create(BASE + "not-implemented");

	/** The request's HTTP version is not supported. */
	public static final URI HTTP_VERSION_NOT_SUPPORTED = URI.create(BASE + "http-version-not-supported");

	/** Anything else; the server logged the cause. */
	public static final URI INTERNAL_ERROR = URI.create(BASE + "internal-error");

	private ProblemTypes() {
	}

}
