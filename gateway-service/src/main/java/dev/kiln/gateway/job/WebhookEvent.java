package dev.kiln.gateway.job;

import com.fasterxml.jackson.annotation.JsonValue;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * A webhook event a job's owner may ask for besides the terminal ones ({@code job.succeeded}, {@code job.failed},
 * {@code job.cancelled}), which are always sent when the job has a {@code callbackUrl}. The queue service's state
 * machine reads the job's {@code webhookEvents} field (the wire names, comma-separated) when it applies a start or a
 * progress step.
 */
@Schema(description = "An optional webhook event: job.started (a worker started the job) or job.progress (each render step)",
		enumAsRef = true)
enum WebhookEvent {

	/** A worker started the job (again, on a retry). */
	STARTED("job.started"),

	/** A render step finished. */
	PROGRESS("job.progress");

	private final String wireName;

	WebhookEvent(String wireName) {
		this.wireName = wireName;
	}

	/** The event's type on the wire, exactly as the webhook's {@code type} field carries it. */
	@JsonValue
	String wireName() {
		return this.wireName;
	}

}
