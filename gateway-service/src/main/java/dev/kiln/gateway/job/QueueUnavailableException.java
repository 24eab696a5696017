package dev.kiln.gateway.job;

import java.util.List;

import dev.kiln.gateway.web.DomainException;
import dev.kiln.gateway.web.ProblemTypes;

/** The job could not be handed to its queue; nothing was recorded: {@code service-unavailable}, retry later. */
public class QueueUnavailableException extends DomainException {

	QueueUnavailableException(String message, Throwable cause) {
		super(ProblemTypes.SERVICE_UNAVAILABLE, message, List.of());
		initCause(cause);
	}

}
