package dev.kiln.queue.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.jobstore.JobContext;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.jobstore.Transition;
import dev.kiln.support.config.SharedProperties;
import dev.kiln.support.metrics.Meters;

/**
 * Folds job events into job records: {@code QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED}, with
 * {@code RUNNING → RETRYING} when an attempt hands its message back ({@code RELEASED}) or its worker vanished, and
 * {@code RETRYING → RUNNING} when a later attempt starts. A thin facade over the job store's state machine
 * ({@link JobStore#apply}, {@link JobStore#redrive}), whose rules are written once for every transition, the gateway's
 * cancel and withdraw included: each event is applied by one Lua script, so concurrent consumers never interleave; a
 * duplicated or out-of-order event (a second {@code SUCCEEDED}, {@code PROGRESS} after the end, an older attempt's
 * {@code STARTED}) leaves the record unchanged. A {@code SUCCEEDED} or {@code FAILED} that overtakes its
 * {@code STARTED} is applied directly. The same script keeps the lane index (waiting jobs) and the running index, and
 * schedules the job's webhook deliveries in the same step. Every outcome is counted as
 * {@code kiln_job_transitions_total{from,to}} or {@code kiln_job_events_ignored_total{reason}}.
 */
@Component
public class JobStateMachine {

	/** Jobs {@link #jobs} keeps: far more than run at once on any fleet Kiln serves, and a few MB at most. */
	private static final int KNOWN_JOBS = 10_000;

	private final JobStore store;

	private final JsonMapper json;

	private final MeterRegistry meters;

	private final Clock clock;

	private final Duration retention;

	/**
	 * What {@link #apply} needs from a record and never changes in a job's life (lane, tenant, model, submit time),
	 * kept from a job's first event to its last so that its {@code SUCCEEDED} does not read and parse the record again.
	 * Bounded, least recently used out; a job not here (another replica took its earlier events, or it was pushed out)
	 * is read.
	 */
	private final Map<String, Job> jobs = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {

		@Override
		protected boolean removeEldestEntry(Map.Entry<String, Job> eldest) {
			return size() > KNOWN_JOBS;
		}

	});

	JobStateMachine(JobStore store, JsonMapper json, MeterRegistry meters, Clock clock, SharedProperties shared) {
		this.store = store;
		this.json = json;
		this.meters = meters;
		this.clock = clock;
		this.retention = shared.retention();
	}

	/**
	 * Applies an event.
	 * @param event the event
	 * @return what happened ({@link Transition.Moved} also for accepted progress, {@code RUNNING>RUNNING})
	 */
	public Transition apply(JobEvent event) {
		Job job = this.jobs.get(event.jobId());
		if (job == null) {
			job = job(event.jobId());
		}
		Transition outcome = this.store.apply(event, job.context(), this.json.writeValueAsString(event.outputKeys()),
				this.retention, this.clock.instant());
		if (outcome.finishedJob() || outcome instanceof Transition.Ignored(String reason)
				&& (reason.equals(Transition.Ignored.UNKNOWN_JOB) || reason.equals(Transition.Ignored.TERMINAL))) {
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
	 * @return what happened: {@code FROM>QUEUED}, or ignored
	 */
	public Transition redrive(String jobId) {
		Job job = job(jobId);
		Transition outcome = this.store.redrive(jobId, job.context(), this.clock.instant());
		count(outcome);
		return outcome;
	}

	private Job job(String jobId) {
		JobRecord record = this.store.find(jobId);
		Lane lane = (record != null && record.lane() != null) ? record.lane() : Lane.STANDARD;
		String requestJson = (record != null) ? record.request() : null;
		@Nullable JobMessage request = (requestJson != null) ? this.json.readValue(requestJson, JobMessage.class) : null;
		return new Job(new JobContext(lane, (request != null) ? request.tenant() : "unknown",
				(request != null) ? request.model() : "unknown",
				(request != null) ? request.submittedAt().toEpochMilli() : this.clock.millis()), request != null);
	}

	private void count(Transition outcome) {
		switch (outcome) {
			case Transition.Ignored(String reason) -> Meters.counter(this.meters, "kiln.job.events.ignored",
					"Job events that changed nothing (duplicates, late or stale events)", "reason", reason)
				.increment();
			case Transition.Moved(JobState from, JobState to) -> Meters.counter(this.meters, "kiln.job.transitions",
					"Job state transitions applied", "from", from.name(), "to", to.name())
				.increment();
			case Transition.CancelRequested requested -> {
			}
			case Transition.Withdrawn withdrawn -> {
			}
		}
	}

	/**
	 * @param context the job's lane, tenant, model and submit time
	 * @param known read from a record that has its request (an unknown job's defaults are not kept)
	 */
	private record Job(JobContext context, boolean known) {
	}

}
