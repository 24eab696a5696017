package dev.kiln.queue.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobState;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.jobstore.Transition;
import dev.kiln.queue.PeriodicWork;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.support.metrics.Meters;

/**
 * Finds {@code RUNNING} jobs whose worker stopped heartbeating (its {@code {kiln}:worker:{id}} key expired and its last
 * beat is older than {@code kiln.stuck-jobs.threshold}) and puts them back to {@code RETRYING}, in their lane index, so
 * queue position and ETA stay true. The job's message was never deleted, so SQS delivers it again when its visibility
 * lapses; a job that keeps killing workers exhausts {@code maxReceiveCount} and ends in the dead-letter queue, where it
 * is marked {@code FAILED}: never a loop.
 */
@Component
class StuckJobSweeper implements PeriodicWork {

	private static final Logger logger = LoggerFactory.getLogger(StuckJobSweeper.class);

	/** Error type recorded in the job's event stream when its worker vanished. */
	static final String WORKER_LOST = "worker-lost";

	private final StringRedisTemplate redis;

	private final JobStore store;

	private final JobStateMachine stateMachine;

	private final Clock clock;

	private final Counter recovered;

	private final QueueServiceProperties.StuckJobs settings;

	StuckJobSweeper(StringRedisTemplate redis, JobStore store, JobStateMachine stateMachine, Clock clock,
			MeterRegistry meters, QueueServiceProperties properties) {
		this.redis = redis;
		this.store = store;
		this.stateMachine = stateMachine;
		this.clock = clock;
		this.settings = properties.stuckJobs();
		this.recovered = Meters.counter(meters, "kiln.jobs.stuck.recovered",
				"Running jobs put back to RETRYING because their worker stopped heartbeating");
	}

	@Override
	public Schedule schedule() {
		return Schedule.every("Stuck-job sweep", this.settings.interval());
	}

	@Override
	public void runRound() {
		sweep();
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
		JobRecord job = this.store.find(jobId);
		if (job == null || job.state() != JobState.RUNNING) {
			// finished, released or expired meanwhile: out of the running index unless it is RUNNING again
			this.store.forgetRunning(jobId);
			return false;
		}
		String workerId = (job.workerId() != null) ? job.workerId() : "";
		if (!workerId.isEmpty() && Boolean.TRUE.equals(this.redis.hasKey(RedisKeys.worker(workerId)))) {
			return false;
		}
		Double lastBeat = workerId.isEmpty() ? null : this.redis.opsForZSet().score(RedisKeys.workers(), workerId);
		long reference = Math.max(runningSince, (lastBeat != null) ? lastBeat.longValue() : 0);
		if (now.toEpochMilli() - reference < this.settings.threshold().toMillis()) {
			return false;
		}
		Transition outcome = this.stateMachine.apply(JobEvent.released(jobId, job.step(), job.totalSteps(), WORKER_LOST,
				"Worker '" + workerId + "' stopped heartbeating; the job will be delivered again", job.attempt(),
				workerId, now));
		if (outcome.movedTo(JobState.RETRYING)) {
			this.recovered.increment();
			logger.warn("Job {} was running on worker '{}', which stopped heartbeating: back to RETRYING", jobId,
					workerId);
			return true;
		}
		return false;
	}

}
