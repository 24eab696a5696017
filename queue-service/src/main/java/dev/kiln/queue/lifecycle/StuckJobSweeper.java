package dev.kiln.queue.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobState;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.jobstore.Transition;
import dev.kiln.queue.QueueServiceProperties;

/**
 * Finds {@code RUNNING} jobs whose worker stopped heartbeating (its {@code {kiln}:worker:{id}} key expired and its last
 * beat is older than {@code kiln.stuck-jobs.threshold}) and puts them back to {@code RETRYING}, in their lane index, so
 * queue position and ETA stay true. The job's message was never deleted, so SQS delivers it again when its visibility
 * lapses; a job that keeps killing workers exhausts {@code maxReceiveCount} and ends in the dead-letter queue, where it
 * is marked {@code FAILED}: never a loop.
 */
@Component
class StuckJobSweeper {

	private static final Logger logger = LoggerFactory.getLogger(StuckJobSweeper.class);

	/** Error type recorded in the job's event stream when its worker vanished. */
	static final String WORKER_LOST = "worker-lost";

	private final StringRedisTemplate redis;

	private final JobStore store;

	private final JobStateMachine stateMachine;

	private final TaskScheduler scheduler;

	private final Clock clock;

	private final Counter recovered;

	private final QueueServiceProperties.StuckJobs settings;

	StuckJobSweeper(StringRedisTemplate redis, JobStateMachine stateMachine, TaskScheduler scheduler, Clock clock,
			MeterRegistry meters, QueueServiceProperties properties) {
		this.redis = redis;
		this.store = new JobStore(redis);
		this.stateMachine = stateMachine;
		this.scheduler = scheduler;
		this.clock = clock;
		this.settings = properties.stuckJobs();
		this.recovered = Counter.builder("kiln.jobs.stuck.recovered")
			.description("Running jobs put back to RETRYING because their worker stopped heartbeating")
			.register(meters);
	}

	@EventListener(ApplicationReadyEvent.class)
	void schedule() {
		Duration interval = this.settings.interval();
		this.scheduler.scheduleWithFixedDelay(this::sweepLogged, this.clock.instant().plus(interval), interval);
	}

	private void sweepLogged() {
		try {
			sweep();
		}
		catch (RuntimeException ex) {
			logger.warn("Stuck-job sweep failed; trying again in {}", this.settings.interval(), ex);
		}
	}

	/**
	 * Looks at every running job once.
	 * @return the jobs put back to {@code RETRYING}
	 */
	int sweep() {
		Set<TypedTuple<String>> running = this.redis.opsForZSet().rangeWithScores(RedisKeys.runningJobs(), 0, -1);
		if (running == null) {
			return 0;
		}
		int count = 0;
		Instant now = this.clock.instant();
		for (TypedTuple<String> entry : running) {
			String jobId = entry.getValue();
			if (jobId != null && entry.getScore() != null && recover(jobId, entry.getScore().longValue(), now)) {
				count++;
			}
		}
		return count;
	}

	private boolean recover(String jobId, long runningSince, Instant now) {
		List<Object> fields = this.redis.opsForHash()
			.multiGet(RedisKeys.job(jobId), List.of(JobFields.STATE, JobFields.WORKER_ID, JobFields.ATTEMPT,
					JobFields.STEP, JobFields.TOTAL_STEPS));
		if (!"RUNNING".equals(fields.get(0))) {
			// finished, released or expired meanwhile: out of the running index unless it is RUNNING again
			this.store.forgetRunning(jobId);
			return false;
		}
		String workerId = (fields.get(1) != null) ? (String) fields.get(1) : "";
		if (!workerId.isEmpty() && Boolean.TRUE.equals(this.redis.hasKey(RedisKeys.worker(workerId)))) {
			return false;
		}
		Double lastBeat = workerId.isEmpty() ? null : this.redis.opsForZSet().score(RedisKeys.workers(), workerId);
		long reference = Math.max(runningSince, (lastBeat != null) ? lastBeat.longValue() : 0);
		if (now.toEpochMilli() - reference < this.settings.threshold().toMillis()) {
			return false;
		}
		Transition outcome = this.stateMachine.apply(JobEvent.released(jobId, number(fields.get(3)), number(fields.get(4)),
				WORKER_LOST, "Worker '" + workerId + "' stopped heartbeating; the job will be delivered again",
				number(fields.get(2)), workerId, now));
		if (outcome.movedTo(JobState.RETRYING)) {
			this.recovered.increment();
			logger.warn("Job {} was running on worker '{}', which stopped heartbeating: back to RETRYING", jobId,
					workerId);
			return true;
		}
		return false;
	}

	private static int number(@Nullable Object value) {
		return JobRecord.integer(value);
	}

}
