package dev.kiln.gateway.job;

/** The job could not be handed to its queue; nothing was recorded. */
public class QueueUnavailableException extends RuntimeException {

	QueueUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
