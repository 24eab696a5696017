package dev.kiln.jobstore;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;

/**
 * What the state machine needs to know of a job beyond its record, none of which changes in a job's life: which
 * indexes it is in and where it ranks.
 *
 * @param lane the job's lane
 * @param tenant the owning tenant
 * @param model the model it renders with (for the model's render statistics)
 * @param submittedMillis its submit time, its score in the lane index
 */
public record JobContext(Lane lane, String tenant, String model, long submittedMillis) {

	/** The context of a job message. */
	public static JobContext of(JobMessage message) {
		return new JobContext(message.lane(), message.tenant(), message.model(), message.submittedAt().toEpochMilli());
	}

}
