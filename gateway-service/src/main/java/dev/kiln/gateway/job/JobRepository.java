package dev.kiln.gateway.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.RedisKeys;

/** Job records in Redis, through the contract's key layout. */
@Repository
class JobRepository {

	// Creates the record and indexes it in one step; refuses to overwrite an existing job.
	private static final RedisScript<Long> CREATE = RedisScript.of("""
			if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
			redis.call('HSET', KEYS[1], unpack(ARGV, 3))
			redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
			redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
			return 1
			""", Long.class);

	// Removes a record that never reached its queue, only while it is still QUEUED.
	private static final RedisScript<Long> WITHDRAW = RedisScript.of("""
			if redis.call('HGET', KEYS[1], 'state') ~= 'QUEUED' then return 0 end
			redis.call('DEL', KEYS[1])
			redis.call('ZREM', KEYS[2], ARGV[1])
			redis.call('ZREM', KEYS[3], ARGV[1])
			return 1
			""", Long.class);

	private final StringRedisTemplate redis;

	JobRepository(StringRedisTemplate redis) {
		this.redis = redis;
	}

	/**
	 * Records a new job as {@code QUEUED} and adds it to its lane and tenant indexes.
	 * @param message the job
	 * @param messageJson the job as JSON, kept as the request of record
	 * @return whether it was created ({@code false} when the id exists already)
	 */
	boolean create(JobMessage message, String messageJson) {
		String submittedAt = message.submittedAt().toString();
		List<String> args = new ArrayList<>();
		args.add(Long.toString(message.submittedAt().toEpochMilli()));
		args.add(message.jobId());
		addField(args, JobFields.STATE, JobState.QUEUED.name());
		addField(args, JobFields.TENANT, message.tenant());
		addField(args, JobFields.LANE, message.lane().wireName());
		addField(args, JobFields.REQUEST, messageJson);
		addField(args, JobFields.SUBMITTED_AT, submittedAt);
		addField(args, JobFields.UPDATED_AT, submittedAt);
		addField(args, JobFields.ATTEMPT, "0");
		addField(args, JobFields.STEP, "0");
		addField(args, JobFields.TOTAL_STEPS, Integer.toString(message.steps()));
		Long created = this.redis.execute(CREATE, keys(message), args.toArray());
		return created != null && created == 1L;
	}

	/** Removes a job that could not be enqueued, as long as nothing has touched it since. */
	void withdraw(JobMessage message) {
		this.redis.execute(WITHDRAW, keys(message), message.jobId());
	}

	/** The record's fields, empty when there is no such job. */
	Map<String, String> find(String jobId) {
		return this.redis.<String, String>opsForHash().entries(RedisKeys.job(jobId));
	}

	private static List<String> keys(JobMessage message) {
		return List.of(RedisKeys.job(message.jobId()), RedisKeys.laneQueued(message.lane()),
				RedisKeys.tenantJobs(message.tenant()));
	}

	private static void addField(List<String> args, String field, String value) {
		args.add(field);
		args.add(value);
	}

}
