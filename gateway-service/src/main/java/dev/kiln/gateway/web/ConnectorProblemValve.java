package dev.kiln.gateway.web;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.res.StringManager;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * Tomcat's error report for the Host, replaced: errors that Tomcat answers itself, before any servlet runs, are
 * {@code application/problem+json} with a stable {@code type} instead of Tomcat's HTML page. These are the errors of
 * the HTTP/1.1 parser (a bad request line or header, a header block over {@code max-http-request-header-size}, an
 * unknown transfer coding) and of the connector's URI checks (an encoded slash or NUL, a {@code ..} above the root),
 * which reach the Host pipeline with no web application mapped, and any other error no servlet wrote a body for.
 * Nothing from the request is echoed: the request target may be the very thing that is invalid.
 */
final class ConnectorProblemValve extends ErrorReportValve {

	private static final StringManager ADAPTER = StringManager.getManager("org.apache.catalina.connector");

	private static final StringManager PARSER = StringManager.getManager("org.apache.coyote.http11");

	ConnectorProblemValve() {
		setShowReport(false);
		setShowServerInfo(false);
	}

	@Override
	protected void report(Request request, Response response, @Nullable Throwable throwable) {
		int status = response.getStatus();
		if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
			return;
		}
		AtomicBoolean ioAllowed = new AtomicBoolean(false);
		response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
		if (!ioAllowed.get()) {
			return;
		}
		Problem problem = classify(status, response.getMessage(), throwable);
		try {
			response.setStatus(problem.status().value());
			response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
			response.setCharacterEncoding("UTF-8");
			Writer writer = response.getReporter();
			if (writer != null) {
				writer.write(problem.json());
				response.finishResponse();
			}
		}
		catch (IOException | IllegalStateException ex) {
			// the client went away, or the response cannot be written any more: nothing else to do
		}
	}

	/**
	 * What Tomcat's error means, as a problem.
	 * @param status the status Tomcat set
	 * @param message the message Tomcat gave {@code sendError}, if any
	 * @param throwable what the HTTP parser threw, if anything
	 * @return the problem to answer with
	 */
	static Problem classify(int status, @Nullable String message, @Nullable Throwable throwable) {
		String thrown = (throwable != null) ? throwable.getMessage() : null;
		if (status == 400) {
			if (same(thrown, PARSER.getString("iib.requestheadertoolarge.error"))) {
				return new Problem(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, ProblemTypes.REQUEST_HEADER_TOO_LARGE,
						"Request header too large",
						"The request line and headers are larger than the gateway accepts; send a shorter request.");
			}
			if (same(message, ADAPTER.getString("coyoteAdapter.invalidURI"))
					|| startsWith(message, ADAPTER.getString("coyoteAdapter.invalidURIWithMessage", ""))
					|| startsWith(thrown, PARSER.getString("iib.invalidRequestTarget", ""))) {
				return new Problem(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_URI, "Invalid URI",
						"The request target is not a valid path: encoded slashes, backslashes and NUL, '..' above "
								+ "the root, bad '%' escapes and characters HTTP does not allow there are refused.");
			}
			return new Problem(HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_HTTP_REQUEST, "Malformed HTTP request",
					"The request is not well-formed HTTP/1.1 (request line, headers, or chunked body).");
		}
		return switch (status) {
			case 404 -> new Problem(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found", "No such endpoint.");
			case 405 -> new Problem(HttpStatus.METHOD_NOT_ALLOWED, ProblemTypes.METHOD_NOT_ALLOWED,
					"Method not allowed", "The method is not allowed here.");
			case 413 -> new Problem(HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
					"The request is larger than the gateway accepts.");
			case 501 -> new Problem(HttpStatus.NOT_IMPLEMENTED, ProblemTypes.NOT_IMPLEMENTED, "Not implemented",
					"The gateway does not support this method or transfer coding.");
			case 503 -> new Problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.SERVICE_UNAVAILABLE,
					"Service unavailable", "The gateway cannot take requests right now; retry later.");
			case 505 -> new Problem(HttpStatus.HTTP_VERSION_NOT_SUPPORTED, ProblemTypes.HTTP_VERSION_NOT_SUPPORTED,
					"HTTP version not supported", "Use HTTP/1.1 or HTTP/1.0.");
			default -> (status < 500)
					? new Problem(HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_HTTP_REQUEST, "Malformed HTTP request",
							"The request is not well-formed HTTP/1.1.")
					: new Problem(HttpStatus.INTERNAL_SERVER_ERROR, ProblemTypes.INTERNAL_ERROR, "Internal error",
							"Something went wrong on our side; it has been logged.");
		};
	}

	private static boolean same(@Nullable String text, String expected) {
		return text != null && text.equals(expected);
	}

	private static boolean startsWith(@Nullable String text, String template) {
		// the part of a message template before its first argument
		int argument = template.indexOf('[');
		String prefix = (argument > 0) ? template.substring(0, argument) : template;
		return text != null && !prefix.isBlank() && text.startsWith(prefix);
	}

	/**
	 * A problem the valve answers with; its texts are constants (nothing from the request).
	 *
	 * @param status the status
	 * @param type the stable type
	 * @param title the type's title
	 * @param detail what happened
	 */
	record Problem(HttpStatus status, URI type, String title, String detail) {

		String json() {
			return "{\"type\":\"" + this.type + "\",\"title\":\"" + this.title + "\",\"status\":" + this.status.value()
					+ ",\"detail\":\"" + this.detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
		}

	}

}
