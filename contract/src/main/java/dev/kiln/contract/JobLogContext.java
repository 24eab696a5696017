package dev.kiln.contract;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Puts a job's id, tenant and lane in the logging MDC for as long as a service handles the job, so that every log line
 * about it carries them: as fields {@value #JOB_ID}, {@value #TENANT} and {@value #LANE} in structured (JSON) logs.
 * Scopes nest: closing one restores what the enclosing scope had put.
 *
 * <pre>{@code
 * try (JobLogContext.Scope scope = JobLogContext.of(job)) {
 *     logger.info("Job {} rendered", job.jobId());
 * }
 * }</pre>
 */
public final class JobLogContext {

	/** MDC key of the job id. */
	public static final String JOB_ID = "jobId";

	/** MDC key of the tenant that owns the job. */
	public static final String TENANT = "tenant";

	/** MDC key of the job's lane. */
	public static final String LANE = "lane";

	private JobLogContext() {
	}

	/**
	 * The job of a message in the MDC.
	 * @param job the job being handled
	 * @return the scope to close when the job's handling ends
	 */
	public static Scope of(JobMessage job) {
		return of(job.jobId(), job.tenant(), job.lane());
	}

	/**
	 * A job in the MDC; what is not known is left out (and so is any value an enclosing scope set for it).
	 * @param jobId the job id
	 * @param tenant its tenant, or {@code null} where not known
	 * @param lane its lane, or {@code null} where not known
	 * @return the scope to close when the job's handling ends
	 */
	public static Scope of(String jobId, @Nullable String tenant, @Nullable Lane lane) {
		Map<String, @Nullable String> previous = new LinkedHashMap<>();
		put(previous, JOB_ID, jobId);
		put(previous, TENANT, tenant);
		put(previous, LANE, (lane != null) ? lane.wireName() : null);
		return () -> previous.forEach((key, value) -> {
			if (value != null) {
				MDC.put(key, value);
			}
			else {
				MDC.remove(key);
			}
		});
	}

	private static void put(Map<String, @Nullable String> previous, String key, @Nullable String value) {
		previous.put(key, MDC.get(key));
		if (value != null) {
			MDC.put(key, value);
		}
		else {
			MDC.remove(key);
		}
	}

	/** Restores the MDC as it was when the scope opened. */
	@FunctionalInterface
	public interface Scope extends AutoCloseable {

		@Override
		void close();

	}

}
