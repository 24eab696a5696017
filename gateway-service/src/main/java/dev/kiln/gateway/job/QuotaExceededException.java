package dev.kiln.gateway.job;

import java.util.List;

import dev.kiln.gateway.web.DomainException;
import dev.kiln.gateway.web.ProblemTypes;

/** The tenant has as many waiting jobs as it may: {@code quota-exceeded}, retry when some have started. */
public class QuotaExceededException extends DomainException {

	QuotaExceededException(String tenant, int maxQueuedJobs) {
		super(ProblemTypes.QUOTA_EXCEEDED, "Tenant '" + tenant + "' has " + maxQueuedJobs
				+ " jobs waiting, its quota; submit more when some have started.", List.of());
	}

}
