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

	/** No such endpoint. */
	public static final URI NOT_FOUND = URI.create(BASE + "not-found");

	/** The method is not allowed on this endpoint. */
	public static final URI METHOD_NOT_ALLOWED = URI.create(BASE + "method-not-allowed");

	/** The content type is not supported. */
	public static final URI UNSUPPORTED_MEDIA_TYPE = URI.create(BASE + "unsupported-media-type");

	/** A dependency (queue, store) is unavailable; retry later. */
	public static final URI SERVICE_UNAVAILABLE = URI.create(BASE + "service-unavailable");

	/** Anything else; the server logged the cause. */
	public static final URI INTERNAL_ERROR = URI.create(BASE + "internal-error");

	private ProblemTypes() {
	}

}
