package dev.kiln.support.tracing;

/**
 * The tags every Kiln service puts on the spans of a job's trace (gateway, worker, queue service), so that one query
 * finds a job's spans wherever they were made.
 */
public enum JobSpanTag {

	/** The job id: {@code kiln.job.id}. */
	JOB_ID("kiln.job.id"),

	/** The job's tenant: {@code kiln.tenant}. */
	TENANT("kiln.tenant"),

	/** The job's lane, by its wire name: {@code kiln.lane}. */
	LANE("kiln.lane"),

	/** The job's model: {@code kiln.model}. */
	MODEL("kiln.model"),

	/** The attempt a worker renders, from 1: {@code kiln.job.attempt}. */
	ATTEMPT("kiln.job.attempt");

	private final String key;

	JobSpanTag(String key) {
		this.key = key;
	}

	/**
	 * The tag's name on a span.
	 * @return the name
	 */
	public String key() {
		return this.key;
	}

}
