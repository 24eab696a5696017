package dev.kiln.worker.job;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobState;
import dev.kiln.contract.RedisKeys;

/**
 * What the worker reads from and writes to a job's Redis record: whether it is already finished or cancelled, and
 * the lease ({@code kiln:job:{id}:lease}, the id of the worker rendering it, with a TTL renewed by the heartbeat)
 * that keeps two workers from rendering the same job.
 */
@Component
class JobRecords {

	private static final Set<String> TERMINAL = Set.of(JobState.SUCCEEDED.name(), JobState.FAILED.name(),
			JobState.CANCELLED.name());

	private static final RedisScript<Long> RENEW = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
			end
			return 0""", Long.class);

	private static final RedisScript<Long> TAKE_OVER = RedisScript.of("""
			local holder = redis.call('GET', KEYS[1])
			if holder == false or holder == ARGV[1] then
			  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
			  return 1
			end
			return 0""", Long.class);

	private static final RedisScript<Long> RELEASE = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  return redis.call('DEL', KEYS[1])
			end
			return 0""", Long.class);

	private final StringRedisTemplate redis;

	JobRecords(StringRedisTemplate redis) {
		this.redis = redis;
	}

	/**
	 * What the record says about a job before it renders.
	 * @param jobId the job
	 * @return the job's standing; {@link Standing#OPEN} also when there is no record (it expired or was never
	 * written), since the message is then the only truth
	 */
	Standing standing(String jobId) {
		List<Object> values = this.redis.opsForHash().multiGet(RedisKeys.job(jobId),
				List.of(JobFields.STATE, JobFields.CANCEL_REQUESTED));
		Object state = values.get(0);
		if (state != null && TERMINAL.contains(state.toString())) {
			return Standing.FINISHED;
		}
		return "true".equals(values.get(1)) ? Standing.CANCEL_REQUESTED : Standing.OPEN;
	}

	/** Whether the job's owner asked to cancel it. */
	boolean cancelRequested(String jobId) {
		return "true".equals(this.redis.opsForHash().get(RedisKeys.job(jobId), JobFields.CANCEL_REQUESTED));
	}

	/**
	 * Takes the job's lease for {@code workerId}: when it is free, already ours, or held by a worker whose heartbeat
	 * has expired (a dead worker).
	 * @return {@code null} when taken, else the id of the live worker holding it
	 */
	@Nullable String lease(String jobId, String workerId, Duration ttl) {
		String key = RedisKeys.jobLease(jobId);
		Boolean taken = this.redis.opsForValue().setIfAbsent(key, workerId, ttl);
		if (Boolean.TRUE.equals(taken)) {
			return null;
		}
		String holder = this.redis.opsForValue().get(key);
		if (holder == null || holder.equals(workerId) || !Boolean.TRUE.equals(this.redis.hasKey(RedisKeys.worker(holder)))) {
			Long result = this.redis.execute(TAKE_OVER, List.of(key), (holder != null) ? holder : "", workerId,
					Long.toString(ttl.toMillis()));
			return (result != null && result == 1) ? null : this.redis.opsForValue().get(key);
		}
		return holder;
	}

	/** Renews the lease if {@code workerId} still holds it; says whether it does. */
	boolean renew(String jobId, String workerId, Duration ttl) {
		Long result = this.redis.execute(RENEW, List.of(RedisKeys.jobLease(jobId)), workerId,
				Long.toString(ttl.toMillis()));
		return result != null && result == 1;
	}

	/** Gives the lease up if {@code workerId} holds it. */
	void release(String jobId, String workerId) {
		this.redis.execute(RELEASE, List.of(RedisKeys.jobLease(jobId)), workerId);
	}

	/** A job's standing before it renders. */
	enum Standing {

		/** Not finished, not cancelled: render it. */
		OPEN,

		/** Its owner cancelled it while it waited. */
		CANCEL_REQUESTED,

		/** Already succeeded, failed or cancelled: this delivery is a duplicate. */
		FINISHED

	}

}
