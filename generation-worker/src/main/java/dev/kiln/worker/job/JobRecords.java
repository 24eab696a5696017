package dev.kiln.worker.job;

import java.time.Duration;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobStore;

/**
 * What the worker reads from and writes to a job's Redis record: whether it is already finished or cancelled, and
 * the lease ({@code {kiln}:job:{id}:lease}, the id of the worker rendering it, with a TTL renewed by the heartbeat)
 * that keeps two workers from rendering the same job. The reads and the lease scripts are the job store's.
 */
@Component
@RequiredArgsConstructor
class JobRecords {

	private final StringRedisTemplate redis;

	private final JobStore store;

	/** Whether the job's owner asked to cancel it (no record, no request). */
	boolean cancelRequested(String jobId) {
		return this.store.cancelRequested(jobId);
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
		JobStore.LeaseClaim answer = this.store.claimLease(jobId, workerId, ttl);
		return switch (answer.outcome()) {
			case "finished" -> new Claim(Standing.FINISHED, null);
			case "cancel" -> new Claim(Standing.CANCEL_REQUESTED, null);
			case "leased" -> new Claim(Standing.OPEN, null);
			case "held" -> new Claim(Standing.OPEN, takeOver(jobId, answer.holder(), workerId, ttl));
			default -> throw new IllegalStateException("Unexpected answer of the claim script: " + answer);
		};
	}

	/** The lease is taken: ours if the holder is gone, is us, or is a dead worker; else the live holder. */
	private @Nullable String takeOver(String jobId, @Nullable String holder, String workerId, Duration ttl) {
		if (holder == null || holder.equals(workerId) || !Boolean.TRUE.equals(this.redis.hasKey(RedisKeys.worker(holder)))) {
			return this.store.takeOverLease(jobId, holder, workerId, ttl) ? null
					: this.redis.opsForValue().get(RedisKeys.jobLease(jobId));
		}
		return holder;
	}

	/** Renews the lease if {@code workerId} still holds it; says whether it does. */
	boolean renew(String jobId, String workerId, Duration ttl) {
		return this.store.renewLease(jobId, workerId, ttl);
	}

	/** Gives the lease up if {@code workerId} holds it. */
	void release(String jobId, String workerId) {
		this.store.releaseLease(jobId, workerId);
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
