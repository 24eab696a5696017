package dev.kiln.gateway.job;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

import dev.kiln.gateway.web.ApiProblemException;
import dev.kiln.gateway.web.ProblemTypes;

/** The job could not be handed to its queue; nothing was recorded: answered 503 with {@code Retry-After}. */
public class QueueUnavailableException extends ApiProblemException {

	QueueUnavailableException(String message, Throwable cause) {
		super(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable", message,
				List.of(), Map.of(HttpHeaders.RETRY_AFTER, "5"));
		initCause(cause);
	}

}
