package dev.kiln.gateway.job;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.support.apikey.ApiKeyIds;

/**
 * Turns a submitted request, once it keeps the {@link SubmissionRules}, into the job to record and send: its message
 * with every default applied and a new id, the message as JSON, and the record's fields beyond the message.
 */
@Component
@RequiredArgsConstructor
class JobDrafts {

	private final SubmissionRules rules;

	private final Clock clock;

	private final JsonMapper json;

	/**
	 * A job to record and send.
	 *
	 * @param message the job
	 * @param body the job as JSON: the message body and the request of record
	 * @param fields the record's fields beyond those the message gives (callback URL, metadata, request hash, trace
	 * context)
	 * @param idempotencyKey the caller's {@code Idempotency-Key}, or {@code null}
	 * @param requestHash the hash of the request body, only with an idempotency key
	 */
	record Draft(JobMessage message, String body, Map<String, String> fields, @Nullable String idempotencyKey,
			@Nullable String requestHash) {
	}

	/**
	 * Checks a request and drafts its job, and starts the job's enqueue span.
	 * @param caller who submits
	 * @param request a request that passed Bean Validation
	 * @param idempotencyKey the caller's {@code Idempotency-Key}, or {@code null}
	 * @param trace the submission's trace
	 * @return the job
	 * @throws dev.kiln.gateway.web.ApiProblemException when the request breaks a rule
	 */
	Draft draft(Caller caller, SubmitJobRequest request, @Nullable String idempotencyKey, JobTracing.Trace trace) {
		Instant now = this.clock.instant();
		String metadata = (request.metadata() != null) ? this.json.writeValueAsString(request.metadata()) : null;
		String model = this.rules.check(caller, request, idempotencyKey, metadata, now);
		// only a request with an idempotency key can be replayed; only then is its body compared
		String requestHash = (idempotencyKey != null) ? ApiKeyIds.sha256Hex(this.json.writeValueAsString(request))
				: null;
		// version 2 only when the job uses a version 2 field: workers of the previous release keep taking the rest
		JobMessage message = new JobMessage(JobMessage.versionFor(request.initImage(), request.clipSkip()),
				JobIds.next(this.clock), caller.tenant(), model,
				request.prompt(), request.negativePrompt(), request.width(), request.height(),
				Objects.requireNonNullElse(request.steps(), SubmitJobRequest.DEFAULT_STEPS),
				Objects.requireNonNullElse(request.guidanceScale(), SubmitJobRequest.DEFAULT_GUIDANCE_SCALE),
				(request.seed() != null) ? request.seed() : ThreadLocalRandom.current().nextLong(1L << 32),
				Objects.requireNonNullElse(request.numImages(), 1), Objects.requireNonNullElse(request.lane(), Lane.STANDARD),
				now, (request.deadline() != null) ? request.deadline().toInstant() : null, request.scheduler(),
				request.initImage(), (request.initImage() != null)
						? Objects.requireNonNullElse(request.strength(), SubmitJobRequest.DEFAULT_STRENGTH) : null,
				request.clipSkip());
		Map<String, String> fields = new LinkedHashMap<>();
		if (requestHash != null) {
			fields.put(JobFields.REQUEST_HASH, requestHash);
		}
		if (request.callbackUrl() != null) {
			fields.put(JobFields.CALLBACK_URL, request.callbackUrl());
		}
		if (request.webhookEvents() != null && !request.webhookEvents().isEmpty()) {
			fields.put(JobFields.WEBHOOK_EVENTS,
					String.join(",", request.webhookEvents().stream().map(WebhookEvent::wireName).toList()));
		}
		if (metadata != null) {
			fields.put(JobFields.METADATA, metadata);
		}
		fields.putAll(trace.enqueue(message));
		return new Draft(message, this.json.writeValueAsString(message), fields, idempotencyKey, requestHash);
	}

}
