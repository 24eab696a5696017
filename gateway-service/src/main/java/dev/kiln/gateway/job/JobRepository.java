package dev.kiln.gateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.stereotype.Repository;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.jobstore.Transition;

/** Job records in Redis: reads here, every write through the {@link JobStore} (the job record's one owner). */
@Repository
@RequiredArgsConstructor
class JobRepository {

	private static final int SCAN_BATCH = 100;

	private static final int MAX_SCANNED = 2000;

	private final StringRedisTemplate redis;

	private final JobStore store;

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
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put(JobFields.STATE, JobState.QUEUED.name());
		fields.put(JobFields.TENANT, message.tenant());
		fields.put(JobFields.LANE, message.lane().wireName());
		fields.put(JobFields.REQUEST, messageJson);
		fields.put(JobFields.SUBMITTED_AT, message.submittedAt().toString());
		// no updatedAt until the first change: submittedAt says it, and 40 bytes less keep small records compact
		fields.put(JobFields.ATTEMPT, "0");
		fields.put(JobFields.STEP, "0");
		fields.put(JobFields.TOTAL_STEPS, Integer.toString(message.steps()));
		fields.putAll(extra);
		JobStore.Created created = this.store.create(message, fields, idempotencyKey, idempotencyTtl, maxWaiting);
		return new Created(Outcome.valueOf(created.outcome().name()), created.jobId(), created.position());
	}

	/** Removes a job that could not be enqueued, as long as nothing has touched it since. */
	void withdraw(JobMessage message, @Nullable String idempotencyKey) {
		this.store.withdraw(message, idempotencyKey);
	}

	/** Takes jobs out of the outbox: SQS has confirmed their messages. */
	void sent(List<String> jobIds) {
		this.store.sent(jobIds);
	}

	/** The job's record, {@code null} when there is no such job. */
	@Nullable JobRecord find(String jobId) {
		return this.store.find(jobId);
	}

	/**
	 * Reads a job's event stream ({@code {kiln}:job:{id}:events}) after an entry.
	 * @param jobId the job
	 * @param after the id of the last entry seen ({@code 0-0} for all)
	 * @param block how long to wait for an entry when there is none yet, or {@code null} not to wait
	 * @return up to 100 entries, oldest first, each with its fields as strings
	 */
	List<MapRecord<String, Object, Object>> events(String jobId, String after, @Nullable Duration block) {
		StreamReadOptions options = StreamReadOptions.empty().count(100);
		if (block != null) {
			options = options.block(block);
		}
		List<MapRecord<String, Object, Object>> records = this.redis.opsForStream()
			.read(options, StreamOffset.create(RedisKeys.jobEvents(jobId), ReadOffset.from(after)));
		return (records != null) ? records : List.of();
	}

	/**
	 * Cancels a job of the tenant through the job store's state machine: a waiting job ends {@code CANCELLED} and its
	 * {@code job.cancelled} webhook is scheduled, like every terminal state's.
	 * @param tenant the caller's tenant
	 * @param jobId the job
	 * @param lane the job's lane
	 * @param now the time of the cancellation
	 * @param ttl how long the cancelled record is kept
	 * @return {@code cancelled}, {@code requested} (running: the worker will stop), {@code finished} or
	 * {@code missing}
	 */
	String cancel(String tenant, String jobId, Lane lane, Instant now, Duration ttl) {
		Transition transition = this.store.cancel(tenant, jobId, lane, now, ttl);
		return switch (transition) {
			case Transition.Moved moved -> "cancelled";
			case Transition.CancelRequested requested -> "requested";
			case Transition.Ignored ignored when ignored.reason().equals(Transition.Ignored.UNKNOWN_JOB) -> "missing";
			case Transition.Ignored ignored -> "finished";
			case Transition.Withdrawn withdrawn -> "missing";
		};
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
	 * @return the records, and the cursor of the next page ({@code null} when there is none)
	 */
	Page page(String tenant, @Nullable String cursor, int limit, Predicate<JobRecord> filter) {
		String index = RedisKeys.tenantJobs(tenant);
		double max = Double.POSITIVE_INFINITY;
		if (cursor != null) {
			Double score = this.redis.opsForZSet().score(index, cursor);
			max = (score != null) ? score : JobIds.timestampMillis(cursor);
		}
		List<JobRecord> records = new ArrayList<>();
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
				JobRecord record = find(id);
				if (record == null || !tenant.equals(record.tenant()) || !filter.test(record)) {
					continue;
				}
				if (records.size() == limit) {
					return new Page(records, records.get(limit - 1).jobId());
				}
				records.add(record);
			}
		}
		return new Page(records, lastScanned);
	}

	/**
	 * Some records and where to go on.
	 *
	 * @param records the records, newest first
	 * @param nextCursor the cursor of the next page, or {@code null}
	 */
	record Page(List<JobRecord> records, @Nullable String nextCursor) {
	}

	/** The gateway's set of a tenant's jobs that may still be waiting, for the quota. */
	static String waitingSet(String tenant) {
		return RedisKeys.tenantWaiting(tenant);
	}

}
