package dev.kiln.queue.lane;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.queue.PeriodicWork;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.support.metrics.Meters;

/**
 * The outbox relay: makes sure every job the gateway recorded reaches its lane's queue.
 * <p>
 * The gateway's create script records a job and adds it to {@code {kiln}:jobs:unsent} in one step; once SQS confirms
 * the message, the gateway takes the job out again. A job that stays longer than {@code kiln.outbox.grace} was
 * recorded but never confirmed: the gateway died between the two steps, the connection dropped after Redis ran the
 * script (the client saw an error, the record exists), or the send's outcome was unknown. The relay then sends the
 * job's message (the record keeps it, {@code request}, and its trace context, {@code traceparent}) if the job is still {@code QUEUED}, and forgets it otherwise
 * (withdrawn, cancelled, or already picked up by a worker). A message sent twice is harmless: workers drop deliveries
 * of finished jobs and of jobs another live worker holds.
 * <p>
 * Entries are claimed by moving their score forward, so several queue-service replicas do not send the same job in
 * the same round, and a failed send is tried again one grace period later.
 */
@Component
class OutboxRelay implements PeriodicWork {

	private static final Logger logger = LoggerFactory.getLogger(OutboxRelay.class);

	private final StringRedisTemplate redis;

	private final JobStore store;

	private final LaneMessages messages;

	private final Clock clock;

	private final QueueServiceProperties.Outbox settings;

	private final Counter relayed;

	private final Counter failures;

	OutboxRelay(StringRedisTemplate redis, JobStore store, LaneMessages messages, Clock clock, MeterRegistry meters,
			QueueServiceProperties properties) {
		this.redis = redis;
		this.store = store;
		this.messages = messages;
		this.clock = clock;
		this.settings = properties.outbox();
		this.relayed = Meters.counter(meters, "kiln.outbox.relayed",
				"Job messages sent by the outbox relay because the gateway never confirmed them");
		this.failures = Meters.counter(meters, "kiln.outbox.relay.failures",
				"Relayed sends that failed (tried again one grace period later)");
		Gauge.builder("kiln.outbox.unsent", this, OutboxRelay::unsentOrNaN)
			.description("Jobs recorded whose message SQS has not confirmed yet")
			.register(meters);
	}

	@Override
	public Schedule schedule() {
		return Schedule.every("Outbox relay", this.settings.interval());
	}

	@Override
	public void runRound() {
		relay();
	}

	/**
	 * One round: claims the jobs unconfirmed for longer than the grace period and sends or forgets each.
	 * @return the messages sent
	 */
	int relay() {
		long now = this.clock.millis();
		List<String> claimed = this.store.claimUnsent(now - this.settings.grace().toMillis(), now,
				this.settings.batchSize());
		int sent = 0;
		for (String id : claimed) {
			if (relay(id)) {
				sent++;
			}
		}
		return sent;
	}

	private boolean relay(String jobId) {
		JobRecord job = this.store.find(jobId);
		if (job == null || job.state() != JobState.QUEUED || job.lane() == null || job.request() == null) {
			// withdrawn, cancelled, or a worker has it already: nothing to send
			this.store.sent(List.of(jobId));
			return false;
		}
		Lane lane = job.lane();
		try {
			// with the trace context recorded with the job, so the worker continues the job's trace
			this.messages.send(lane, job.request(), job)
				.get(this.settings.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			this.failures.increment();
			logger.warn("Could not relay job {} to the {} lane; trying again in {}: {}", jobId, lane.wireName(),
					this.settings.grace(), ex.toString());
			return false;
		}
		this.store.sent(List.of(jobId));
		this.relayed.increment();
		logger.warn("Job {} was recorded but its message was never confirmed; relayed it to the {} lane", jobId,
				lane.wireName());
		return true;
	}

	private double unsentOrNaN() {
		try {
			Long size = this.redis.opsForZSet().zCard(RedisKeys.unsentJobs());
			return (size != null) ? size : Double.NaN;
		}
		catch (RuntimeException ex) {
			return Double.NaN;
		}
	}

}
