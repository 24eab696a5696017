package dev.kiln.contract;

/**
 * The one definition of Kiln's Redis key layout. Every service reads and writes Redis through these names.
 *
 * <p><strong>One hash slot.</strong> Every key (and the arrivals channels) starts with the hash tag {@code {kiln}}:
 * Redis Cluster hashes only the part between the first braces, so all of Kiln's keys map to one slot (slot 280, see
 * {@link #HASH_TAG}). That is what lets Kiln's Lua scripts (all in the job-store module: {@code create.lua},
 * {@code apply-event.lua}, {@code cancel.lua}, {@code redrive.lua}, {@code withdraw.lua}, {@code settle-cost.lua}...),
 * which each touch a job's record, its lane and tenant indexes and its event stream together, run on a cluster-mode
 * store such as Amazon MemoryDB (always cluster mode) or ElastiCache with cluster mode enabled: without the tag those keys hash to
 * different slots and every such script fails with {@code CROSSSLOT}. The create script also reads job records by
 * id ({@code ARGV[5] .. id}) beyond its declared {@code KEYS}; it can, because they carry the same tag.
 *
 * <p>The price: one slot lives on one shard, so Kiln's job store does not shard. Adding shards to a cluster adds no
 * capacity for Kiln (the other shards stay empty); memory and write throughput are those of one primary node, and
 * replicas only add read capacity and failover. Size the store by scaling the node type up, not the cluster out.
 * Placeholders below are written {@code <name>}; since every key starts with the tag, it is the first pair of braces
 * whatever an id contains.
 *
 * <ul>
 * <li>{@code {kiln}:job:<jobId>}: hash, the job record; fields in {@link JobFields}.</li>
 * <li>{@code {kiln}:lane:<lane>:queued}: sorted set of job ids waiting in a lane, scored by submit time (millis).</li>
 * <li>{@code {kiln}:tenant:<tenant>:jobs}: sorted set of a tenant's job ids, scored by submit time (millis).</li>
 * <li>{@code {kiln}:worker:<workerId>}: string, a worker's heartbeat document, expiring with the heartbeat TTL.</li>
 * <li>{@code {kiln}:workers}: sorted set of worker ids scored by their last heartbeat (millis).</li>
 * <li>{@code {kiln}:job:<jobId>:lease}: string, the id of the worker rendering the job, expiring unless renewed.</li>
 * <li>{@code {kiln}:job:<jobId>:events}: stream of the job's applied state changes and progress, for SSE.</li>
 * <li>{@code {kiln}:apikey:<sha256>}: hash describing an API key (fields {@code tenant}, {@code admin}, {@code name}),
 * keyed by the hex SHA-256 of the key; keys themselves are never stored.</li>
 * <li>{@code {kiln}:idempotency:<tenant>:<key>}: string, the job id created for an idempotency key.</li>
 * <li>{@code {kiln}:tenant:<tenant>:waiting}: set of a tenant's jobs that may still be waiting, for the queued-jobs
 * quota (pruned by the gateway as they leave the queue).</li>
 * <li>{@code {kiln}:ratelimit:<tenant>}: a tenant's request-rate token bucket (Bucket4j state).</li>
 * <li>{@code {kiln}:tenant:<tenant>:settings}: hash of per-tenant settings (webhook secret, limits).</li>
 * <li>{@code {kiln}:tenant:<tenant>:cost}: hash of attributed cost per day ({@code yyyy-MM-dd} → dollars).</li>
 * <li>{@code {kiln}:stats:model:<model>}: hash of measured render statistics of a model.</li>
 * <li>{@code {kiln}:jobs:running}: sorted set of running job ids scored by their attempt's start (millis).</li>
 * <li>{@code {kiln}:webhooks:due}: sorted set of pending webhook deliveries scored by their next attempt (millis).</li>
 * <li>{@code {kiln}:webhook:<deliveryId>}: hash, one webhook delivery and its attempts.</li>
 * <li>{@code {kiln}:jobs:unsent}: sorted set of jobs recorded by the gateway whose message SQS has not confirmed yet
 * (the outbox), scored by when they were recorded or last relayed (millis); the gateway removes a job once SQS has
 * its message, the queue service's relay sends what stays longer than a grace period.</li>
 * </ul>
 */
public final class RedisKeys {

	/**
	 * The hash tag every key starts with, so that all of them share one cluster slot
	 * ({@code CLUSTER KEYSLOT kiln} = 280).
	 */
	public static final String HASH_TAG = "{kiln}";

	private static final String PREFIX = HASH_TAG + ":";

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

	/** The lease a worker holds on a job while rendering it. */
	public static String jobLease(String jobId) {
		return job(jobId) + ":lease";
	}

	/** The stream of a job's applied state changes and progress. */
	public static String jobEvents(String jobId) {
		return job(jobId) + ":events";
	}

	/** An API key's description, by the hex SHA-256 of the key. */
	public static String apiKey(String sha256Hex) {
		return PREFIX + "apikey:" + sha256Hex;
	}

	/** The job created for an idempotency key. */
	public static String idempotency(String tenant, String key) {
		return PREFIX + "idempotency:" + tenant + ":" + key;
	}

	/** A tenant's jobs that may still be waiting, for the queued-jobs quota. */
	public static String tenantWaiting(String tenant) {
		return PREFIX + "tenant:" + tenant + ":waiting";
	}

	/** A tenant's request-rate token bucket. */
	public static String rateLimit(String tenant) {
		return PREFIX + "ratelimit:" + tenant;
	}

	/** A tenant's settings. */
	public static String tenantSettings(String tenant) {
		return PREFIX + "tenant:" + tenant + ":settings";
	}

	/** A tenant's attributed cost per day. */
	public static String tenantCost(String tenant) {
		return PREFIX + "tenant:" + tenant + ":cost";
	}

	/** Measured render statistics of a model. */
	public static String modelStats(String model) {
		return PREFIX + "stats:model:" + model;
	}

	/** Running jobs, scored by the start of their current attempt. */
	public static String runningJobs() {
		return PREFIX + "jobs:running";
	}

	/** Pending webhook deliveries, scored by their next attempt. */
	public static String webhooksDue() {
		return PREFIX + "webhooks:due";
	}

	/** Jobs whose message SQS has not confirmed yet (the outbox), scored by when recorded or last relayed. */
	public static String unsentJobs() {
		return PREFIX + "jobs:unsent";
	}

	/**
	 * The pub/sub channel on which the gateway's create script announces each job it records in a lane (the message
	 * is the job id), so that the autoscale advisor decides at once instead of at its next poll.
	 */
	public static String laneArrivals(Lane lane) {
		return PREFIX + "arrivals:" + lane.wireName();
	}

	/** The pattern that matches {@link #laneArrivals(Lane)} of every lane. */
	public static String laneArrivalsPattern() {
		return PREFIX + "arrivals:*";
	}

	/** One webhook delivery. */
	public static String webhook(String deliveryId) {
		return PREFIX + "webhook:" + deliveryId;
	}

}
