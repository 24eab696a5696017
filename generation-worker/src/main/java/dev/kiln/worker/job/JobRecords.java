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
 * the lease ({@code {kiln}:job:{id}:lease}, the id of the worker rendering it, with a TTL renewed by the heartbeat)
 * that keeps two workers from rendering the same job.
 */
@Component
class JobRecords {

	private static final Set<String> TERMINAL = Set.of(JobState.SUCCEEDED.name(), JobState.FAILED.name(),
			JobState.CANCELLED.name());

	/**
	 * KEYS: the record, the lease. ARGV: worker id, lease TTL in ms, terminal states (comma-separated), the state
	 * field, the cancel field. Answers
	 * {@code finished}, {@code cancel}, {@code leased} (taken now) or {@code held, <holder>}.
	 */
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> CLAIM = RedisScript.of("""
			local record = redis.call('HMGET', KEYS[1], ARGV[4], ARGV[5])
			if record[1] and string.find(',' .. ARGV[3] .. ',', ',' .. record[1] .. ',', 1, true) then
			  return {'finished'}
			end
			if record[2] == 'true' then
			  return {'cancel'}
			end
			if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
			  return {'leased'}
			end
			local holder = redis.call('GET', KEYS[2])
			if holder then
			  return {'held', holder}
			end
			return {'held'}""", List.class);

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

	/** Whether the job's owner asked to cancel it. */
	boolean cancelRequested(String jobId) {
		return "true".equals(this.redis.opsForHash().get(RedisKeys.job(jobId), JobFields.CANCEL_REQUESTED));
	}

	/**
	 * Checks a job before it renders and takes its lease for {@code workerId} if it is open: in one round trip when
	 * the lease is free (the common case). The lease is also taken when it is already ours, or held by a worker whose
	 * heartbeat has expired (a dead worker).
	 * @param jobId the job
	 * @return the job's standing, and for {@link Standing#OPEN} the live worker holding its lease ({@code null} when
	 * the lease is now ours); a job without a record (expired or never written) is open, since the message is then
	 * the only truth
	 */
	Claim claim(String jobId, String workerId, Duration ttl) {
		String key = RedisKeys.jobLease(jobId);
		List<?> answer = this.redis.execute(CLAIM, List.of(RedisKeys.job(jobId), key), workerId,
				Long.toString(ttl.toMillis()), String.join(",", TERMINAL), JobFields.STATE, JobFields.CANCEL_REQUESTED);
		String outcome = (answer != null && !answer.isEmpty()) ? String.valueOf(answer.get(0)) : "";
		return switch (outcome) {
			case "finished" -> new Claim(Standing.FINISHED, null);
			case "cancel" -> new Claim(Standing.CANCEL_REQUESTED, null);
			case "leased" -> new Claim(Standing.OPEN, null);
			case "held" -> new Claim(Standing.OPEN,
					takeOver(key, (answer.size() > 1) ? String.valueOf(answer.get(1)) : null, workerId, ttl));
			default -> throw new IllegalStateException("Unexpected answer of the claim script: " + answer);
		};
	}

	/** The lease is taken: ours if the holder is gone, is us, or is a dead worker; else the live holder. */
	private @Nullable String takeOver(String key, @Nullable String holder, String workerId, Duration ttl) {
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

	/**
	 * What {@link #claim} found.
	 *
	 * @param standing the job's standing
	 * @param holder for an open job, the live worker holding its lease, or {@code null} when it is ours now
	 */
	record Claim(Standing standing, @Nullable String holder) {
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
