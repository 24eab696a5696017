package dev.kiln.contract;

/**
 * The one definition of Kiln's Redis key layout. Every service reads and writes Redis through these names.
 *
 * <ul>
 * <li>{@code kiln:job:{jobId}}: hash, the job record; fields in {@link JobFields}.</li>
 * <li>{@code kiln:lane:{lane}:queued}: sorted set of job ids waiting in a lane, scored by submit time (millis).</li>
 * <li>{@code kiln:tenant:{tenant}:jobs}: sorted set of a tenant's job ids, scored by submit time (millis).</li>
 * <li>{@code kiln:worker:{workerId}}: string, a worker's heartbeat document, expiring with the heartbeat TTL.</li>
 * <li>{@code kiln:workers}: sorted set of worker ids scored by their last heartbeat (millis).</li>
 * </ul>
 */
public final class RedisKeys {

	private static final String PREFIX = "kiln:";

	private RedisKeys() {
	}

	/** The hash holding a job's record. */
	public static String job(String jobId) {
		return PREFIX + "job:" + jobId;
	}

	/** Jobs waiting in a lane, oldest first. */
	public static String laneQueued(Lane lane) {
		return PREFIX + "lane:" + lane.wireName() + ":queued";
	}

	/** A tenant's jobs, oldest first. */
	public static String tenantJobs(String tenant) {
		return PREFIX + "tenant:" + tenant + ":jobs";
	}

	/** A worker's heartbeat document. */
	public static String worker(String workerId) {
		return PREFIX + "worker:" + workerId;
	}

	/** Every worker seen recently, scored by last heartbeat. */
	public static String workers() {
		return PREFIX + "workers";
	}

}
