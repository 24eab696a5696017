package dev.kiln.queue.web;

import java.net.URI;

/** Stable problem type URIs of the queue service; the same names as the gateway's for the same meaning. */
final class ProblemTypes {

	private static final String BASE = "https://kiln.dev/problems/";

	/** No API key, or one that is not valid. */
	static final URI UNAUTHORIZED = URI.create(BASE + "unauthorized");

	/** A valid key that may not do this (not an admin key). */
	static final URI FORBIDDEN = URI.create(BASE + "forbidden");

	/** The request is invalid. */
	static final URI INVALID_REQUEST = URI.create(BASE + "invalid-request");

	/** No such endpoint. */
	static final URI NOT_FOUND = URI.create(BASE + "not-found");

	/** The method is not allowed on this endpoint. */
	static final URI METHOD_NOT_ALLOWED = URI.create(BASE + "method-not-allowed");

	/** The content type is not supported. */
	static final URI UNSUPPORTED_MEDIA_TYPE = URI.create(BASE + "unsupported-media-type");

	/** A dependency (queue, Redis) is unavailable; retry later. */
	static final URI SERVICE_UNAVAILABLE = URI.create(BASE + "service-unavailable");

	/** Anything else; the server logged the cause. */
	static final URI INTERNAL_ERROR = URI.create(BASE + "internal-error");

	private ProblemTypes() {
	}

}
