package dev.kiln.gateway.job;

import java.util.List;

import dev.kiln.gateway.web.ApiProblemException.FieldProblem;
import dev.kiln.gateway.web.DomainException;
import dev.kiln.gateway.web.ProblemTypes;

/**
 * The {@code Idempotency-Key} was used before, for a job that no longer exists or with a different request body:
 * {@code idempotency-key-reused}, naming the header as the offending field.
 */
public class IdempotencyKeyReusedException extends DomainException {

	private IdempotencyKeyReusedException(String detail, String reason) {
		super(ProblemTypes.IDEMPOTENCY_KEY_REUSED, detail, List.of(new FieldProblem("Idempotency-Key", reason)));
	}

	static IdempotencyKeyReusedException forGoneJob() {
		return new IdempotencyKeyReusedException(
				"The Idempotency-Key was used before for a job that no longer exists; use a new key.",
				"was used before");
	}

	static IdempotencyKeyReusedException forOtherBody(String jobId) {
		return new IdempotencyKeyReusedException(
				"The Idempotency-Key was used before with a different request body (job " + jobId + ").",
				"was used with a different body");
	}

}
