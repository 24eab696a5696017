package dev.kiln.jobstore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

/**
 * The only writer of job keys: the record {@code {kiln}:job:{id}}, its event stream and lease, the lane, tenant,
 * waiting, running and outbox indexes. Every change of a job's state (a worker's event, the owner's cancel, the
 * dead-letter path, a redrive, a withdraw) runs one script with the state machine's rules in front of it
 * ({@code transition-rules.lua}), so a job that ends, however it ends, leaves its indexes, gets an entry in its event
 * stream and schedules its webhook. Thread-safe; one per application.
 */
public final class JobStore {

	/** The field of a model's stats hash that holds its mean render seconds (written by {@code apply-event.lua}). */
	private static final String MEAN_RENDER_SECONDS = "meanRenderSeconds";

	private final StringRedisTemplate redis;

	/**
	 * A store over a Redis connection (standalone or cluster: every key carries the {@code {kiln}} hash tag).
	 * @param redis the connection
	 */
	public JobStore(StringRedisTemplate redis) {
		this.redis = redis;
	}

	/** What {@link #create} did. */
	public enum CreateOutcome {

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
	public record Created(CreateOutcome outcome, String jobId, long position) {
	}

	/**
	 * Records a new job (its fields as given, state among them) in its lane and tenant indexes, the tenant's waiting
	 * set and the outbox, unless the idempotency key was used before or the tenant is at its quota of waiting jobs.
	 * @param message the job
	 * @param fields the record's fields, in order
	 * @param idempotencyKey the caller's idempotency key, or {@code null}
	 * @param idempotencyTtl how long the key is remembered
	 * @param maxWaiting the tenant's quota of waiting jobs
	 * @return what happened
	 */
	public Created create(JobMessage message, Map<String, String> fields, @Nullable String idempotencyKey,
			Duration idempotencyTtl, int maxWaiting) {
		List<String> args = new ArrayList<>();
		args.add(Long.toString(message.submittedAt().toEpochMilli()));
		args.add(message.jobId());
		args.add(Integer.toString(maxWaiting));
		args.add((idempotencyKey != null) ? Long.toString(Math.max(1, idempotencyTtl.toSeconds())) : "0");
		args.add(RedisKeys.job(""));
		fields.forEach((field, value) -> {
			args.add(field);
			args.add(value);
		});
		List<?> result = this.redis.execute(JobScripts.CREATE,
				List.of(RedisKeys.job(message.jobId()), RedisKeys.laneQueued(message.lane()),
						RedisKeys.tenantJobs(message.tenant()), RedisKeys.tenantWaiting(message.tenant()),
						idempotencyKey(message.tenant(), idempotencyKey), RedisKeys.unsentJobs(),
						RedisKeys.laneArrivals(message.lane())),
				args.toArray());
		if (result == null || result.size() < 2) {
			throw new IllegalStateException("Unexpected answer from the create script: " + result);
		}
		CreateOutcome outcome = CreateOutcome.valueOf(String.valueOf(result.get(0)).toUpperCase(Locale.ROOT));
		long position = (outcome == CreateOutcome.CREATED) ? Long.parseLong(String.valueOf(result.get(2))) + 1 : 0;
		return new Created(outcome, String.valueOf(result.get(1)), position);
	}

	/**
	 * Removes a job that could not be enqueued, as long as it is still {@code QUEUED}.
	 * @param message the job
	 * @param idempotencyKey the idempotency key it was created with, or {@code null}
	 * @return {@link Transition.Withdrawn}, or why not
	 */
	public Transition withdraw(JobMessage message, @Nullable String idempotencyKey) {
		return transition(JobScripts.WITHDRAW, message.jobId(), JobContext.of(message), idempotencyKey, "withdrawn",
				Instant.now(), Duration.ofSeconds(1));
	}

	/**
	 * Cancels a job of the tenant: a waiting one ({@code QUEUED}, {@code RETRYING}) ends {@code CANCELLED} now, and
	 * its {@code job.cancelled} webhook is scheduled like every terminal state's; a running one gets
	 * {@code cancelRequested} for its worker.
	 * @param tenant the caller's tenant
	 * @param jobId the job
	 * @param lane the job's lane
	 * @param now the time of the cancellation
	 * @param ttl how long the cancelled record is kept
	 * @return {@code WAITING>CANCELLED}, {@link Transition.CancelRequested}, or ignored ({@code terminal}, or
	 * {@code unknown-job} also for another tenant's job)
	 */
	public Transition cancel(String tenant, String jobId, Lane lane, Instant now, Duration ttl) {
		return transition(JobScripts.CANCEL, jobId, new JobContext(lane, tenant, "unknown", 0), null,
				"cancelled", now, ttl, tenant);
	}

	/**
	 * Applies a worker's event (or the dead-letter path's {@code FAILED}, or the stuck-job sweep's
	 * {@code RELEASED}).
	 * @param event the event
	 * @param job what is known of the job
	 * @param outputsJson the event's output keys as a JSON array
	 * @param ttl how long a record is kept once terminal
	 * @param now now (the score of a job in the running index, the creation time of a webhook delivery)
	 * @return what happened
	 */
	public Transition apply(JobEvent event, JobContext job, String outputsJson, Duration ttl, Instant now) {
		String preview = (event.type() == dev.kiln.contract.JobEventType.PROGRESS && !event.outputKeys().isEmpty())
				? event.outputKeys().get(0) : "";
		return transition(JobScripts.APPLY_EVENT, event.jobId(), job, null,
				event.type().name().toLowerCase(Locale.ROOT), event.timestamp(), ttl, now, event.type().name(),
				Objects.toString(event.step(), "0"), Objects.toString(event.totalSteps(), "0"), outputsJson,
				Objects.toString(event.errorType(), ""), Objects.toString(event.errorDetail(), ""),
				Integer.toString(event.attempt()), Objects.toString(event.workerId(), ""),
				Objects.toString(event.renderSeconds(), ""), preview);
	}

	/**
	 * Puts a job back to {@code QUEUED} with its attempts reset, because its message is being moved back from the
	 * dead-letter queue. Finished-for-good jobs ({@code SUCCEEDED}, {@code CANCELLED}) and unknown ones are left alone.
	 * @param jobId the job
	 * @param job what is known of the job
	 * @param now the time of the redrive
	 * @return {@code FROM>QUEUED}, or ignored
	 */
	public Transition redrive(String jobId, JobContext job, Instant now) {
		return transition(JobScripts.REDRIVE, jobId, job, null, "redriven", now, Duration.ofSeconds(1));
	}

	private Transition transition(RedisScript<String> script, String jobId,
			JobContext job, @Nullable String idempotencyKey, String deliveryKind, Instant at, Duration ttl,
			String... more) {
		return transition(script, jobId, job, idempotencyKey, deliveryKind, at, ttl, Instant.now(), more);
	}

	private Transition transition(RedisScript<String> script, String jobId,
			JobContext job, @Nullable String idempotencyKey, String deliveryKind, Instant at, Duration ttl, Instant now,
			String... more) {
		String deliveryId = jobId + "." + deliveryKind + "." + UUID.randomUUID().toString().substring(0, 8);
		List<String> keys = List.of(RedisKeys.job(jobId), RedisKeys.laneQueued(job.lane()), RedisKeys.jobEvents(jobId),
				RedisKeys.runningJobs(), RedisKeys.webhooksDue(), RedisKeys.webhook(deliveryId),
				RedisKeys.tenantWaiting(job.tenant()), RedisKeys.modelStats(job.model()),
				RedisKeys.tenantJobs(job.tenant()), idempotencyKey(job.tenant(), idempotencyKey),
				RedisKeys.unsentJobs());
		List<String> args = new ArrayList<>(List.of(jobId, at.toString(), Long.toString(now.toEpochMilli()),
				Long.toString(Math.max(1, ttl.toSeconds())), deliveryId, Long.toString(job.submittedMillis())));
		args.addAll(List.of(more));
		String answer = this.redis.execute(script, keys, args.toArray());
		if (answer == null) {
			throw new IllegalStateException("No answer from a job transition script for job " + jobId);
		}
		return Transition.parse(answer);
	}

	/**
	 * Drops a job from the running index unless it is {@code RUNNING}.
	 * @return whether it was dropped
	 */
	public boolean forgetRunning(String jobId) {
		Long dropped = this.redis.execute(JobScripts.FORGET_RUNNING,
				List.of(RedisKeys.job(jobId), RedisKeys.runningJobs()), jobId);
		return dropped != null && dropped == 1;
	}

	/** Takes jobs out of the outbox: SQS has confirmed their messages (or there is nothing to send). */
	public void sent(Collection<String> jobIds) {
		if (!jobIds.isEmpty()) {
			this.redis.opsForZSet().remove(RedisKeys.unsentJobs(), jobIds.toArray());
		}
	}

	/**
	 * Claims outbox entries recorded at or before {@code before}, re-scored to {@code now} so that another relay
	 * does not take them at once.
	 * @return the claimed job ids
	 */
	public List<String> claimUnsent(long before, long now, int limit) {
		List<?> claimed = this.redis.execute(JobScripts.OUTBOX_CLAIM, List.of(RedisKeys.unsentJobs()),
				Long.toString(before), Long.toString(now), Integer.toString(limit));
		return (claimed != null) ? claimed.stream().map(String::valueOf).toList() : List.of();
	}

	/**
	 * Claims a due webhook delivery for one sender: its score moves to the end of the lease, only if it is (still)
	 * due, so that no other sender takes it meanwhile.
	 * @return whether this caller has it
	 */
	public boolean claimWebhook(String deliveryId, long now, long leaseEnd) {
		Long won = this.redis.execute(JobScripts.WEBHOOK_CLAIM, List.of(RedisKeys.webhooksDue()), deliveryId,
				Long.toString(now), Long.toString(leaseEnd));
		return won != null && won == 1;
	}

	/**
	 * Ends a webhook delivery: out of the due set, its status kept for {@code keep}, and for a terminal event the
	 * outcome written on the job's record while it exists.
	 */
	public void endWebhook(String deliveryId, String jobId, String status, Duration keep, boolean terminal) {
		this.redis.execute(JobScripts.WEBHOOK_END,
				List.of(RedisKeys.webhooksDue(), RedisKeys.webhook(deliveryId), RedisKeys.job(jobId)), deliveryId,
				status, Long.toString(Math.max(1, keep.toSeconds())), terminal ? "1" : "0");
	}

	/**
	 * Attributes a finished job's cost exactly once: the job's {@code cost} field and the tenant's daily sum, and the
	 * job leaves the given watch set.
	 * @param jobId the job
	 * @param tenant its tenant
	 * @param dollars the cost, as written
	 * @param day the day it is added to ({@code yyyy-MM-dd})
	 * @param watchSet the caller's set of jobs to look at
	 * @return whether the cost was written now (not before)
	 */
	public boolean settleCost(String jobId, String tenant, String dollars, String day, String watchSet) {
		Long written = this.redis.execute(JobScripts.SETTLE_COST,
				List.of(RedisKeys.job(jobId), RedisKeys.tenantCost(tenant), watchSet), JobFields.COST, dollars, day,
				jobId);
		return written != null && written == 1;
	}

	/**
	 * Deletes a finished job's record, event stream and place in its tenant's index (retention).
	 * @param jobId the job
	 * @param tenantIndex the tenant index it is listed in
	 */
	public void delete(String jobId, String tenantIndex) {
		this.redis.delete(List.of(RedisKeys.job(jobId), RedisKeys.jobEvents(jobId)));
		this.redis.opsForZSet().remove(tenantIndex, jobId);
	}

	/** Drops an id from a tenant index whose record is gone. */
	public void unindex(String jobId, String tenantIndex) {
		this.redis.opsForZSet().remove(tenantIndex, jobId);
	}

	/**
	 * The job's record.
	 * @return the record, or {@code null} when there is none
	 */
	public @Nullable JobRecord find(String jobId) {
		return JobRecord.parse(jobId, this.redis.<String, String>opsForHash().entries(RedisKeys.job(jobId)));
	}

	/**
	 * Whether the owner of a running job asked it to stop: the one field a worker polls while it renders (an
	 * {@code HGET}, not the whole record).
	 * @param jobId the job
	 * @return whether {@code cancelRequested} is set; {@code false} for a job without a record
	 */
	public boolean cancelRequested(String jobId) {
		return "true".equals(this.redis.opsForHash().get(RedisKeys.job(jobId), JobFields.CANCEL_REQUESTED));
	}

	/**
	 * Several jobs' records in one round trip (pipelined), for a reader that looks at many jobs at once.
	 * @param jobIds the jobs
	 * @return the records by job id, in the order of {@code jobIds}; a job without a record is left out
	 */
	public Map<String, JobRecord> findAll(List<String> jobIds) {
		List<Object> answers = this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			for (String jobId : jobIds) {
				connection.hashCommands().hGetAll(RedisKeys.job(jobId).getBytes(StandardCharsets.UTF_8));
			}
			return null;
		});
		Map<String, JobRecord> records = new LinkedHashMap<>();
		for (int i = 0; i < jobIds.size() && i < answers.size(); i++) {
			if (answers.get(i) instanceof Map<?, ?> fields) {
				Map<String, String> text = new LinkedHashMap<>();
				fields.forEach((name, value) -> text.put(String.valueOf(name), String.valueOf(value)));
				JobRecord record = JobRecord.parse(jobIds.get(i), text);
				if (record != null) {
					records.put(jobIds.get(i), record);
				}
			}
		}
		return records;
	}

	/**
	 * A model's measured mean render time, which {@link #apply} keeps up to date from every successful attempt
	 * ({@code {kiln}:model:{model}:stats}, field {@code meanRenderSeconds}).
	 * @param model the model
	 * @return the mean in seconds, or {@code null} before the first measurement (or for an unreadable or
	 * non-positive value)
	 */
	public @Nullable Double meanRenderSeconds(String model) {
		Object value = this.redis.opsForHash().get(RedisKeys.modelStats(model), MEAN_RENDER_SECONDS);
		if (value == null) {
			return null;
		}
		try {
			double seconds = Double.parseDouble(value.toString());
			return (seconds > 0) ? seconds : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/**
	 * What {@link #claimLease} found.
	 *
	 * @param outcome {@code finished}, {@code cancel}, {@code leased} (taken now) or {@code held}
	 * @param holder for {@code held}, the worker holding the lease, if known
	 */
	public record LeaseClaim(String outcome, @Nullable String holder) {
	}

	/**
	 * Checks a job before a worker renders it and takes its lease ({@code {kiln}:job:{id}:lease}) when it is free.
	 * @param jobId the job
	 * @param workerId the worker
	 * @param ttl how long the lease lasts unless renewed
	 * @return what was found
	 */
	public LeaseClaim claimLease(String jobId, String workerId, Duration ttl) {
		List<?> answer = this.redis.execute(JobScripts.LEASE_CLAIM,
				List.of(RedisKeys.job(jobId), RedisKeys.jobLease(jobId)), workerId, Long.toString(ttl.toMillis()),
				String.join(",", JobState.SUCCEEDED.name(), JobState.FAILED.name(), JobState.CANCELLED.name()),
				JobFields.STATE, JobFields.CANCEL_REQUESTED);
		if (answer == null || answer.isEmpty()) {
			throw new IllegalStateException("Unexpected answer of the lease claim script: " + answer);
		}
		return new LeaseClaim(String.valueOf(answer.get(0)), (answer.size() > 1) ? String.valueOf(answer.get(1)) : null);
	}

	/**
	 * Takes a job's lease over from a holder known to be gone.
	 * @param holder the holder seen, or {@code null} for none
	 * @return whether the lease is now {@code workerId}'s
	 */
	public boolean takeOverLease(String jobId, @Nullable String holder, String workerId, Duration ttl) {
		Long result = this.redis.execute(JobScripts.LEASE_TAKE_OVER, List.of(RedisKeys.jobLease(jobId)),
				(holder != null) ? holder : "", workerId, Long.toString(ttl.toMillis()));
		return result != null && result == 1;
	}

	/** Renews a job's lease if {@code workerId} still holds it; says whether it does. */
	public boolean renewLease(String jobId, String workerId, Duration ttl) {
		Long result = this.redis.execute(JobScripts.LEASE_RENEW, List.of(RedisKeys.jobLease(jobId)), workerId,
				Long.toString(ttl.toMillis()));
		return result != null && result == 1;
	}

	/** Gives a job's lease up if {@code workerId} holds it. */
	public void releaseLease(String jobId, String workerId) {
		this.redis.execute(JobScripts.LEASE_RELEASE, List.of(RedisKeys.jobLease(jobId)), workerId);
	}

	private static String idempotencyKey(String tenant, @Nullable String key) {
		return RedisKeys.idempotency(tenant, (key != null) ? key : "-");
	}

}
