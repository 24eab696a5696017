package dev.kiln.jobstore;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;

/**
 * A job's Redis record ({@code {kiln}:job:{id}}), its fields parsed once: states, times and numbers typed. A field
 * this reader does not know (written by a newer service) is kept in {@link #others()}, and a value it cannot parse
 * reads as absent, so a newer writer never breaks an older reader.
 *
 * @param jobId the job
 * @param state the job's state, {@code null} for a value this reader does not know
 * @param tenant the owning tenant
 * @param lane the job's lane, {@code null} for a value this reader does not know
 * @param request the job message as JSON, kept as the request of record
 * @param submittedAt when the job was submitted
 * @param startedAt when its first attempt started
 * @param finishedAt when it reached a terminal state
 * @param updatedAt when it last changed after submission
 * @param step the last reported step
 * @param totalSteps the steps of the render
 * @param attempt the current attempt, 0 before the first
 * @param transitions how many state changes were applied
 * @param workerId the worker of the current or last attempt
 * @param outputs the output object keys as a JSON array
 * @param errorType why it failed (or the last attempt was released)
 * @param errorDetail the failure's detail
 * @param requestHash the hash of the submitted request (idempotency replay check)
 * @param callbackUrl where its webhooks go
 * @param metadata the caller's metadata as JSON
 * @param cancelRequested whether its owner asked a running job to stop
 * @param preview the object key of the latest preview image
 * @param cost the attributed cost in dollars
 * @param renderSeconds the measured render time of the successful attempt
 * @param webhookEvents the non-terminal webhook events its owner asked for (comma-separated)
 * @param webhookStatus the outcome of its terminal webhook
 * @param others every field this reader does not know, unchanged
 */
public record JobRecord(String jobId, @Nullable JobState state, @Nullable String tenant, @Nullable Lane lane,
		@Nullable String request, @Nullable Instant submittedAt, @Nullable Instant startedAt,
		@Nullable Instant finishedAt, @Nullable Instant updatedAt, int step, int totalSteps, int attempt,
		int transitions, @Nullable String workerId, @Nullable String outputs, @Nullable String errorType,
		@Nullable String errorDetail, @Nullable String requestHash, @Nullable String callbackUrl,
		@Nullable String metadata, boolean cancelRequested, @Nullable String preview, @Nullable Double cost,
		@Nullable Double renderSeconds, @Nullable String webhookEvents, @Nullable String webhookStatus,
		Map<String, String> others) {

	private static final Set<String> KNOWN = Set.of(JobFields.STATE, JobFields.TENANT, JobFields.LANE,
			JobFields.REQUEST, JobFields.SUBMITTED_AT, JobFields.STARTED_AT, JobFields.FINISHED_AT,
			JobFields.UPDATED_AT, JobFields.STEP, JobFields.TOTAL_STEPS, JobFields.ATTEMPT, JobFields.TRANSITIONS,
			JobFields.WORKER_ID, JobFields.OUTPUTS, JobFields.ERROR_TYPE, JobFields.ERROR_DETAIL,
			JobFields.REQUEST_HASH, JobFields.CALLBACK_URL, JobFields.METADATA, JobFields.CANCEL_REQUESTED,
			JobFields.PREVIEW, JobFields.COST, JobFields.RENDER_SECONDS, JobFields.WEBHOOK_EVENTS,
			JobFields.WEBHOOK_STATUS);

	public JobRecord {
		others = Collections.unmodifiableMap(new LinkedHashMap<>(others));
	}

	/**
	 * Parses a record's fields (as {@code HGETALL} answers them).
	 * @param jobId the job
	 * @param fields the fields; empty when there is no record
	 * @return the record, or {@code null} when {@code fields} is empty
	 */
	public static @Nullable JobRecord parse(String jobId, Map<String, String> fields) {
		if (fields.isEmpty()) {
			return null;
		}
		Map<String, String> others = new LinkedHashMap<>();
		fields.forEach((name, value) -> {
			if (!KNOWN.contains(name)) {
				others.put(name, value);
			}
		});
		return new JobRecord(jobId, state(fields.get(JobFields.STATE)), fields.get(JobFields.TENANT),
				lane(fields.get(JobFields.LANE)), fields.get(JobFields.REQUEST), instant(fields.get(JobFields.SUBMITTED_AT)),
				instant(fields.get(JobFields.STARTED_AT)), instant(fields.get(JobFields.FINISHED_AT)),
				instant(fields.get(JobFields.UPDATED_AT)), integer(fields.get(JobFields.STEP)),
				integer(fields.get(JobFields.TOTAL_STEPS)), integer(fields.get(JobFields.ATTEMPT)),
				integer(fields.get(JobFields.TRANSITIONS)), fields.get(JobFields.WORKER_ID), fields.get(JobFields.OUTPUTS),
				fields.get(JobFields.ERROR_TYPE), fields.get(JobFields.ERROR_DETAIL), fields.get(JobFields.REQUEST_HASH),
				fields.get(JobFields.CALLBACK_URL), fields.get(JobFields.METADATA),
				"true".equals(fields.get(JobFields.CANCEL_REQUESTED)), fields.get(JobFields.PREVIEW),
				decimal(fields.get(JobFields.COST)), decimal(fields.get(JobFields.RENDER_SECONDS)),
				fields.get(JobFields.WEBHOOK_EVENTS), fields.get(JobFields.WEBHOOK_STATUS), others);
	}

	/** Whether the job is finished for good. */
	public boolean terminal() {
		return this.state != null && this.state.isTerminal();
	}

	/**
	 * Reads a state field leniently.
	 * @param value the field's value, or {@code null}
	 * @return the state, or {@code null} for a missing or unknown value
	 */
	public static @Nullable JobState state(@Nullable String value) {
		if (value == null) {
			return null;
		}
		try {
			return JobState.valueOf(value);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/**
	 * Reads an integer field leniently: Kiln writes counters and steps as decimal integers.
	 * @param value the field's value, or {@code null}
	 * @return the number, 0 for a missing or unreadable value
	 */
	public static int integer(@Nullable Object value) {
		if (value == null) {
			return 0;
		}
		try {
			return Integer.parseInt(value.toString().trim());
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	private static @Nullable Lane lane(@Nullable String value) {
		if (value == null) {
			return null;
		}
		try {
			return Lane.fromWireName(value);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private static @Nullable Instant instant(@Nullable String value) {
		if (value == null || value.isEmpty()) {
			return null;
		}
		try {
			return Instant.parse(value);
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	private static @Nullable Double decimal(@Nullable String value) {
		if (value == null || value.isEmpty()) {
			return null;
		}
		try {
			return Double.valueOf(value);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
