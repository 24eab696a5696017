package dev.kiln.queue.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.queue.QueueServiceProperties;

/**
 * Folds job events into job records: {@code QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED}, with
 * {@code RUNNING → RETRYING} when an attempt hands its message back ({@code RELEASED}) or its worker vanished, and
 * {@code RETRYING → RUNNING} when a later attempt starts. Each event is applied by one Lua script, so concurrent
 * consumers never interleave; a duplicated or out-of-order event (a second {@code SUCCEEDED}, {@code PROGRESS} after
 * the end, an older attempt's {@code STARTED}) leaves the record unchanged. A {@code SUCCEEDED} or {@code FAILED}
 * that overtakes its {@code STARTED} is applied directly. The same script keeps the lane index (waiting jobs) and the
 * running index, and schedules the job's webhook deliveries in the same step. Every outcome is counted as
 * {@code kiln_job_transitions_total{from,to}} or {@code kiln_job_events_ignored_total{reason}}.
 */
@Component
public class JobStateMachine {

	private static final RedisScript<String> APPLY = RedisScript
		.of(new ClassPathResource("dev/kiln/queue/lifecycle/apply-event.lua"), String.class);

	private static final RedisScript<String> REDRIVE = RedisScript
		.of(new ClassPathResource("dev/kiln/queue/lifecycle/redrive-job.lua"), String.class);

	/** Jobs {@link #jobs} keeps: far more than run at once on any fleet Kiln serves, and a few MB at most. */
	private static final int KNOWN_JOBS = 10_000;

	private final StringRedisTemplate redis;

	private final JsonMapper json;

	private final MeterRegistry meters;

	private final Clock clock;

	private final Duration retention;

	/**
	 * What {@link #apply} needs from a record and never changes in a job's life (lane, model, submit time), kept from
	 * a job's first event to its last so that its {@code SUCCEEDED} does not read and parse the record again. Bounded,
	 * least recently used out; a job not here (another replica took its earlier events, or it was pushed out) is read.
	 */
	private final Map<String, Job> jobs = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {

		@Override
		protected boolean removeEldestEntry(Map.Entry<String, Job> eldest) {
			return size() > KNOWN_JOBS;
		}

	});

	JobStateMachine(StringRedisTemplate redis, JsonMapper json, MeterRegistry meters, Clock clock,
			QueueServiceProperties properties) {
		this.redis = redis;
		this.json = json;
		this.meters = meters;
		this.clock = clock;
		this.retention = properties.retention();
	}

	/**
	 * Applies an event.
	 * @param event the event
	 * @return what happened: {@code FROM>TO}, or {@code ignored:<reason>}
	 */
	public String apply(JobEvent event) {
		Job job = this.jobs.get(event.jobId());
		if (job == null) {
			job = job(event.jobId());
		}
		String preview = (event.type() == JobEventType.PROGRESS && !event.outputKeys().isEmpty())
				? event.outputKeys().get(0) : "";
		String deliveryId = event.jobId() + "." + event.type().name().toLowerCase(Locale.ROOT) + "."
				+ UUID.randomUUID().toString().substring(0, 8);
		String outcome = this.redis.execute(APPLY,
				List.of(RedisKeys.job(event.jobId()), RedisKeys.laneQueued(job.lane()), RedisKeys.jobEvents(event.jobId()),
						RedisKeys.modelStats(job.model()), RedisKeys.runningJobs(), RedisKeys.webhooksDue(),
						RedisKeys.webhook(deliveryId)),
				event.type().name(), event.jobId(), Objects.toString(event.step(), "0"),
				Objects.toString(event.totalSteps(), "0"), this.json.writeValueAsString(event.outputKeys()),
				Objects.toString(event.errorType(), ""), Objects.toString(event.errorDetail(), ""),
				Integer.toString(event.attempt()), Objects.toString(event.workerId(), ""), event.timestamp().toString(),
				Long.toString(Math.max(1, this.retention.toSeconds())), Objects.toString(event.renderSeconds(), ""),
				preview, Long.toString(job.submittedMillis()), deliveryId, Long.toString(this.clock.millis()));
		if (outcome.startsWith("ignored:unknown") || outcome.endsWith(">SUCCEEDED") || outcome.endsWith(">FAILED")
				|| outcome.endsWith(">CANCELLED") || outcome.equals("ignored:terminal")) {
			this.jobs.remove(event.jobId());
		}
		else if (job.known()) {
			this.jobs.put(event.jobId(), job);
		}
		count(outcome);
		return outcome;
	}

	/**
	 * Puts a job back to {@code QUEUED} with its attempts reset, in its lane index, because its message is being
	 * moved back from the dead-letter queue. Finished-for-good jobs ({@code SUCCEEDED}, {@code CANCELLED}) and
	 * unknown ones are left alone.
	 * @param jobId the job
	 * @return what happened: {@code FROM>QUEUED}, or {@code ignored:<reason>}
	 */
	public String redrive(String jobId) {
		Job job = job(jobId);
		String outcome = this.redis.execute(REDRIVE,
				List.of(RedisKeys.job(jobId), RedisKeys.laneQueued(job.lane()), RedisKeys.jobEvents(jobId)), jobId,
				Long.toString(job.submittedMillis()), this.clock.instant().toString());
		count(outcome);
		return outcome;
	}

	private Job job(String jobId) {
		List<Object> fields = this.redis.opsForHash()
			.multiGet(RedisKeys.job(jobId), List.of(JobFields.LANE, JobFields.REQUEST));
		Lane lane = (fields.get(0) != null) ? Lane.fromWireName((String) fields.get(0)) : Lane.STANDARD;
		@Nullable JobMessage request = (fields.get(1) != null) ? this.json.readValue((String) fields.get(1), JobMessage.class)
				: null;
		return new Job(lane, (request != null) ? request.model() : "unknown",
				(request != null) ? request.submittedAt().toEpochMilli() : this.clock.millis(), request != null);
	}

	private void count(String outcome) {
		if (outcome.startsWith("ignored:")) {
			Counter.builder("kiln.job.events.ignored")
				.description("Job events that changed nothing (duplicates, late or stale events)")
				.tag("reason", outcome.substring("ignored:".length()))
				.register(this.meters)
				.increment();
			return;
		}
		String[] fromTo = outcome.split(">", 2);
		Counter.builder("kiln.job.transitions")
			.description("Job state transitions applied")
			.tag("from", fromTo[0])
			.tag("to", fromTo[1])
			.register(this.meters)
			.increment();
	}

	/** @param known read from a record that has its request (an unknown job's defaults are not kept) */
	private record Job(Lane lane, String model, long submittedMillis, boolean known) {
	}

}
