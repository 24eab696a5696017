package dev.kiln.support.tracing;

/**
 * The names of the tags every Kiln service puts on the spans of a job's trace (gateway, worker, queue service), so that
 * one query finds a job's spans wherever they were made.
 */
public final class JobSpanTags {

	/** The job id. */
	public static final String JOB_ID = "kiln.job.id";

	/** The job's tenant. */
	public static final String TENANT = "kiln.tenant";

	/** The job's lane, by its wire name. */
	public static final String LANE = "kiln.lane";

	/** The job's model. */
	public static final String MODEL = "kiln.model";

	/** The attempt a worker renders, from 1. */
	public static final String ATTEMPT = "kiln.job.attempt";

	private JobSpanTags() {
	}

}
