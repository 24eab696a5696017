package dev.kiln.gateway.web;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.coyote.BadRequestException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container's error page ({@code /error}), in place of Spring Boot's {@code BasicErrorController}: an error
 * the container raises after the request reached the web application but outside Spring MVC's exception handling
 * (Tomcat's {@code sendError}, e.g. a chunked body that breaks off or lies about its chunk sizes while it is read) is
 * a problem as well, with a stable type and no exception text.
 */
@Hidden
@RestController
class ErrorDispatchController implements ErrorController {

	@RequestMapping("${server.error.path:${error.path:/error}}")
	ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
		Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		HttpStatus status = HttpStatus.resolve((code instanceof Integer value) ? value : 500);
		if (status == null || !status.isError()) {
			status = HttpStatus.INTERNAL_SERVER_ERROR;
		}
		Throwable thrown = (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
		ProblemDetail problem;
		if (status == HttpStatus.BAD_REQUEST && causedBy(thrown, BadRequestException.class)) {
			problem = ProblemDetail.forStatusAndDetail(status,
					"The request is not well-formed HTTP/1.1 (request line, headers, or chunked body).");
			problem.setType(ProblemTypes.MALFORMED_HTTP_REQUEST);
			problem.setTitle("Malformed HTTP request");
		}
		else {
			problem = ProblemDetail.forStatusAndDetail(status, detail(status));
			problem.setType(dev.kiln.support.problem.ProblemTypes.forStatus(status));
			problem.setTitle(status.getReasonPhrase());
		}
		Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
		if (uri instanceof String path) {
			problem.setInstance(java.net.URI.create("").resolve(safePath(path)));
		}
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

	private static String detail(HttpStatusCode status) {
		return status.is4xxClientError() ? "The request was refused (" + status.value() + ")."
				: "Something went wrong on our side; it has been logged.";
	}

	private static String safePath(String path) {
		return path.matches("[A-Za-z0-9/._~-]*") ? path : "";
	}

	private static boolean causedBy(@Nullable Throwable thrown, Class<? extends Throwable> type) {
		for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return true;
			}
		}
		return false;
	}

}
