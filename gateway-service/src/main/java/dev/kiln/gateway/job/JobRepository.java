package dev.kiln.gateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

/** Job records in Redis, through the contract's key layout. */
@Repository
class JobRepository {

	// Creates the record and indexes it in one step. In order: an idempotency key seen before answers with its job;
	// an existing id is refused; the tenant's waiting jobs are counted against the quota; then the record, the lane and
	// tenant indexes, the tenant's waiting set and the idempotency key are written, and the job's 0-based rank in its
	// lane is returned. The waiting set holds every job of the tenant that may still be waiting (a superset: jobs leave
	// it only when pruned here, cancelled or withdrawn), so while it has fewer members than the quota the tenant is
	// under it and nothing else is read (O(1)). Only at the quota are its members' states read, and those no longer
	// QUEUED or RETRYING pruned. The job also goes into the outbox ({kiln}:jobs:unsent, scored by its submit time) until
	// SQS confirms its message: if this answer never reaches the gateway, or the gateway dies before the send, the
	// queue service's relay sends the message from the record.
	// A created job is announced on its lane's arrivals channel (PUBLISH, fire and forget): the autoscale advisor
	// decides at once on it instead of at its next poll; a missed announcement only costs that poll.
	// KEYS: 1 job, 2 lane queued, 3 tenant jobs, 4 tenant waiting set, 5 idempotency key, 6 outbox, 7 the lane's
	// arrivals channel (a channel, not a key; passed here so that the script names no key layout of its own)
	// ARGV: 1 score, 2 job id, 3 max waiting jobs, 4 idempotency TTL seconds (0 = no key), 5 job key prefix, 6.. fields
	private static final RedisScript<List> CREATE = RedisScript.of("""
			if ARGV[4] ~= '0' then
			  local existing = redis.call('GET', KEYS[5])
			  if existing then return {'duplicate', existing} end
			end
			if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists', ARGV[2]} end
			local max = tonumber(ARGV[3])
			if redis.call('SCARD', KEYS[4]) >= max then
			  local waiting = 0
			  for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
			    local state = redis.call('HGET', ARGV[5] .. id, 'state')
			    if state == 'QUEUED' or state == 'RETRYING' then
			      waiting = waiting + 1
			    else
			      redis.call('SREM', KEYS[4], id)
			    end
			  end
			  if waiting >= max then return {'quota', tostring(waiting)} end
			end
			redis.call('HSET', KEYS[1], unpack(ARGV, 6))
			redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
			redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
			redis.call('SADD', KEYS[4], ARGV[2])
			redis.call('ZADD', KEYS[6], ARGV[1], ARGV[2])
			if ARGV[4] ~= '0' then
			  redis.call('SET', KEYS[5], ARGV[2], 'EX', tonumber(ARGV[4]))
			end
			redis.call('PUBLISH', KEYS[7], ARGV[2])
			return {'created', ARGV[2], tostring(redis.call('ZRANK', KEYS[2], ARGV[2]))}
			""", List.class);

	// Removes a record that never reached its queue, only while it is still QUEUED.
	// A created job is announced on its lane's arrivals channel (PUBLISH, fire and forget): the autoscale advisor
	// decides at once on it instead of at its next poll; a missed announcement only costs that poll.
	// KEYS: 1 job, 2 lane queued, 3 tenant jobs, 4 tenant waiting set, 5 idempotency key, 6 outbox, 7 the lane's
	// arrivals channel (a channel, not a key; passed here so that the script names no key layout of its own)
	private static final RedisScript<Long> WITHDRAW = RedisScript.of("""
			if redis.call('HGET', KEYS[1], 'state') ~= 'QUEUED' then return 0 end
			redis.call('ZREM', KEYS[6], ARGV[1])
			redis.call('DEL', KEYS[1])
			redis.call('ZREM', KEYS[2], ARGV[1])
			redis.call('ZREM', KEYS[3], ARGV[1])
			redis.call('SREM', KEYS[4], ARGV[1])
			if redis.call('GET', KEYS[5]) == ARGV[1] then redis.call('DEL', KEYS[5]) end
			return 1
			""", Long.class);

	// Cancels a job of the tenant: QUEUED or RETRYING become CANCELLED at once (removed from the lane index and the
	// tenant's waiting set, a state entry appended to the event stream, the retention TTL set); RUNNING gets
	// cancelRequested for its worker.
	// KEYS: 1 job, 2 lane queued, 3 job events, 4 tenant waiting set ARGV: 1 tenant, 2 job id, 3 now, 4 TTL seconds
	private static final RedisScript<String> CANCEL = RedisScript.of("""
			local state = redis.call('HGET', KEYS[1], 'state')
			if not state or redis.call('HGET', KEYS[1], 'tenant') ~= ARGV[1] then return 'missing' end
			if state == 'QUEUED' or state == 'RETRYING' then
			  redis.call('HSET', KEYS[1], 'state', 'CANCELLED', 'finishedAt', ARGV[3], 'updatedAt', ARGV[3])
			  redis.call('HINCRBY', KEYS[1], 'transitions', 1)
			  redis.call('ZREM', KEYS[2], ARGV[2])
			  redis.call('SREM', KEYS[4], ARGV[2])
			  redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'kind', 'state', 'state', 'CANCELLED',
			    'step', redis.call('HGET', KEYS[1], 'step') or '0', 'totalSteps', redis.call('HGET', KEYS[1], 'totalSteps') or '0',
			    'preview', '', 'errorType', '', 'at', ARGV[3])
			  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
			  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[4]))
			  return 'cancelled'
			end
			if state == 'RUNNING' then
			  redis.call('HSET', KEYS[1], 'cancelRequested', 'true', 'updatedAt', ARGV[3])
			  return 'requested'
			end
			return 'finished'
			""", String.class);

	private static final int SCAN_BATCH = 100;

	private static final int MAX_SCANNED = 2000;

	private final StringRedisTemplate redis;

	JobRepository(StringRedisTemplate redis) {
		this.redis = redis;
	}

	/** What {@link #create} did. */
	enum Outcome {

		/** The job was recorded. */
		CREATED,

		/** A job with that id exists. */
		EXISTS,

		/** The idempotency key was used before; {@link Created#jobId()} is the job it created. */
		DUPLICATE,

		/** The tenant has as many waiting jobs as it may. */
		QUOTA

	}

	/**
	 * The outcome of {@link #create}.
	 *
	 * @param outcome what happened
	 * @param jobId the new job, or the earlier job of the idempotency key
	 * @param position a new job's place in its lane when it was recorded, 1 = next; 0 for other outcomes
	 */
	record Created(Outcome outcome, String jobId, long position) {
	}

	/**
	 * Records a new job as {@code QUEUED} and adds it to its lane and tenant indexes, unless the idempotency key was
	 * used before or the tenant is at its quota of waiting jobs.
	 * @param message the job
	 * @param messageJson the job as JSON, kept as the request of record
	 * @param extra more fields of the record (callback URL, metadata, request hash)
	 * @param idempotencyKey the caller's idempotency key, or {@code null}
	 * @param idempotencyTtl how long the key is remembered
	 * @param maxWaiting the tenant's quota of waiting jobs
	 * @return what happened
	 */
	Created create(JobMessage message, String messageJson, Map<String, String> extra, @Nullable String idempotencyKey,
			Duration idempotencyTtl, int maxWaiting) {
		String submittedAt = message.submittedAt().toString();
		List<String> args = new ArrayList<>();
		args.add(Long.toString(message.submittedAt().toEpochMilli()));
		args.add(message.jobId());
		args.add(Integer.toString(maxWaiting));
		args.add((idempotencyKey != null) ? Long.toString(Math.max(1, idempotencyTtl.toSeconds())) : "0");
		args.add(RedisKeys.job(""));
		addField(args, JobFields.STATE, JobState.QUEUED.name());
		addField(args, JobFields.TENANT, message.tenant());
		addField(args, JobFields.LANE, message.lane().wireName());
		addField(args, JobFields.REQUEST, messageJson);
		addField(args, JobFields.SUBMITTED_AT, submittedAt);
		// no updatedAt until the first change: submittedAt says it, and 40 bytes less keep small records compact
		addField(args, JobFields.ATTEMPT, "0");
		addField(args, JobFields.STEP, "0");
		addField(args, JobFields.TOTAL_STEPS, Integer.toString(message.steps()));
		extra.forEach((field, value) -> addField(args, field, value));
		List<?> result = this.redis.execute(CREATE, keys(message, idempotencyKey), args.toArray());
		if (result == null || result.size() < 2) {
			throw new IllegalStateException("Unexpected answer from the create script: " + result);
		}
		Outcome outcome = Outcome.valueOf(String.valueOf(result.get(0)).toUpperCase(Locale.ROOT));
		long position = (outcome == Outcome.CREATED) ? Long.parseLong(String.valueOf(result.get(2))) + 1 : 0;
		return new Created(outcome, String.valueOf(result.get(1)), position);
	}

	/** Removes a job that could not be enqueued, as long as nothing has touched it since. */
	void withdraw(JobMessage message, @Nullable String idempotencyKey) {
		this.redis.execute(WITHDRAW, keys(message, idempotencyKey), message.jobId());
	}

	/** Takes jobs out of the outbox: SQS has confirmed their messages. */
	void sent(List<String> jobIds) {
		this.redis.opsForZSet().remove(RedisKeys.unsentJobs(), jobIds.toArray());
	}

	/** The record's fields, empty when there is no such job. */
	Map<String, String> find(String jobId) {
		return this.redis.<String, String>opsForHash().entries(RedisKeys.job(jobId));
	}

	/**
	 * Cancels a job of the tenant.
	 * @param tenant the caller's tenant
	 * @param jobId the job
	 * @param lane the job's lane
	 * @param now the time of the cancellation
	 * @param ttl how long the cancelled record is kept
	 * @return {@code cancelled}, {@code requested} (running: the worker will stop), {@code finished} or
	 * {@code missing}
	 */
	String cancel(String tenant, String jobId, Lane lane, Instant now, Duration ttl) {
		String result = this.redis.execute(CANCEL,
				List.of(RedisKeys.job(jobId), RedisKeys.laneQueued(lane), RedisKeys.jobEvents(jobId), waitingSet(tenant)),
				tenant, jobId,
				now.toString(), Long.toString(Math.max(1, ttl.toSeconds())));
		return (result != null) ? result : "missing";
	}

	/** The job's 0-based rank in its lane's queued index, or {@code null} when it is not there. */
	@Nullable Long rank(Lane lane, String jobId) {
		return this.redis.opsForZSet().rank(RedisKeys.laneQueued(lane), jobId);
	}

	/** The measured mean render seconds of a model, or {@code null} before the first measurement. */
	@Nullable Double meanRenderSeconds(String model) {
		Object value = this.redis.opsForHash().get(RedisKeys.modelStats(model), "meanRenderSeconds");
		return (value != null) ? Double.valueOf(value.toString()) : null;
	}

	/**
	 * A page of a tenant's jobs, newest first.
	 * @param tenant the tenant
	 * @param cursor the last job of the previous page, or {@code null} for the first page
	 * @param limit jobs per page
	 * @param filter which records to include
	 * @return the records by job id, and the cursor of the next page ({@code null} when there is none)
	 */
	Page page(String tenant, @Nullable String cursor, int limit, Predicate<Map<String, String>> filter) {
		String index = RedisKeys.tenantJobs(tenant);
		double max = Double.POSITIVE_INFINITY;
		if (cursor != null) {
			Double score = this.redis.opsForZSet().score(index, cursor);
			max = (score != null) ? score : JobIds.timestampMillis(cursor);
		}
		List<Map.Entry<String, Map<String, String>>> records = new ArrayList<>();
		String lastScanned = null;
		long offset = 0;
		int scanned = 0;
		while (scanned < MAX_SCANNED) {
			Set<TypedTuple<String>> batch = this.redis.opsForZSet()
				.reverseRangeByScoreWithScores(index, Double.NEGATIVE_INFINITY, max, offset, SCAN_BATCH);
			if (batch == null || batch.isEmpty()) {
				return new Page(records, null);
			}
			offset += batch.size();
			for (TypedTuple<String> entry : batch) {
				String id = entry.getValue();
				if (id == null || (cursor != null && entry.getScore() != null && entry.getScore() == max
						&& id.compareTo(cursor) >= 0)) {
					continue;
				}
				scanned++;
				lastScanned = id;
				Map<String, String> record = find(id);
				if (record.isEmpty() || !tenant.equals(record.get(JobFields.TENANT)) || !filter.test(record)) {
					continue;
				}
				if (records.size() == limit) {
					return new Page(records, records.get(limit - 1).getKey());
				}
				records.add(Map.entry(id, record));
			}
		}
		return new Page(records, lastScanned);
	}

	/**
	 * Some records and where to go on.
	 *
	 * @param records records by job id
	 * @param nextCursor the cursor of the next page, or {@code null}
	 */
	record Page(List<Map.Entry<String, Map<String, String>>> records, @Nullable String nextCursor) {
	}

	private static List<String> keys(JobMessage message, @Nullable String idempotencyKey) {
		return List.of(RedisKeys.job(message.jobId()), RedisKeys.laneQueued(message.lane()),
				RedisKeys.tenantJobs(message.tenant()), waitingSet(message.tenant()),
				RedisKeys.idempotency(message.tenant(), (idempotencyKey != null) ? idempotencyKey : "-"),
				RedisKeys.unsentJobs(), RedisKeys.laneArrivals(message.lane()));
	}

	/** The gateway's set of a tenant's jobs that may still be waiting, for the quota. */
	static String waitingSet(String tenant) {
		return RedisKeys.tenantWaiting(tenant);
	}

	private static void addField(List<String> args, String field, String value) {
		args.add(field);
		args.add(value);
	}

}
