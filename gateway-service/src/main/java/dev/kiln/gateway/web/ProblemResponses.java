package dev.kiln.gateway.web;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/** Writes problem+json responses from servlet filters, which run before Spring MVC's exception handling. */
public final class ProblemResponses {

	private final JsonMapper json;

	/**
	 * A writer.
	 * @param json the application's JSON mapper
	 */
	public ProblemResponses(JsonMapper json) {
		this.json = json;
	}

	/**
	 * Writes a problem as the response.
	 * @param request the request (its path becomes {@code instance})
	 * @param response the response, not yet committed
	 * @param status the status
	 * @param type the stable type URI
	 * @param title the title of the type
	 * @param detail what happened
	 * @throws IOException when the response cannot be written
	 */
	public void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, URI type,
			String title, String detail) throws IOException {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", type.toString());
		body.put("title", title);
		body.put("status", status.value());
		body.put("detail", detail);
		body.put("instance", request.getRequestURI());
		response.setStatus(status.value());
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		this.json.writeValue(response.getOutputStream(), body);
	}

}
