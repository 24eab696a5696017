package dev.kiln.contract;

/**
 * Field names of the job record hash at {@link RedisKeys#job(String)}. Times are ISO-8601 instants; counters are
 * decimal strings; {@link #REQUEST} holds the {@link JobMessage} as JSON and {@link #OUTPUTS} a JSON array of keys.
 */
public final class JobFields {

	/** {@link JobState} name. */
	public static final String STATE = "state";

	/** Owning tenant. */
	public static final String TENANT = "tenant";

	/** Lane wire name. */
	public static final String LANE = "lane";

	/** The job message as JSON. */
	public static final String REQUEST = "request";

	/** When the gateway accepted the job. */
	public static final String SUBMITTED_AT = "submittedAt";

	/** When the first attempt started. */
	public static final String STARTED_AT = "startedAt";

	/** When the job reached a terminal state. */
	public static final String FINISHED_AT = "finishedAt";

	/** When the record last changed. */
	public static final String UPDATED_AT = "updatedAt";

	/** The last finished step. */
	public static final String STEP = "step";

	/** Steps of the render. */
	public static final String TOTAL_STEPS = "totalSteps";

	/** The latest attempt number. */
	public static final String ATTEMPT = "attempt";

	/** The worker of the latest attempt. */
	public static final String WORKER_ID = "workerId";

	/** JSON array of output object keys. */
	public static final String OUTPUTS = "outputs";

	/** Stable error type of a failed job. */
	public static final String ERROR_TYPE = "errorType";

	/** Human-readable error detail of a failed job. */
	public static final String ERROR_DETAIL = "errorDetail";

	/** Events applied to the record, for auditing duplicates. */
	public static final String TRANSITIONS = "transitions";

	/** SHA-256 of the canonical request, to tell an idempotent retry from a different request under the same key. */
	public static final String REQUEST_HASH = "requestHash";

	/** Where to POST webhook events, if anywhere. */
	public static final String CALLBACK_URL = "callbackUrl";

	/** The caller's metadata object as JSON, echoed back. */
	public static final String METADATA = "metadata";

	/** Set to {@code true} when the owner asked to cancel a running job; the worker stops at the next step. */
	public static final String CANCEL_REQUESTED = "cancelRequested";

	/** Object key of the latest preview image. */
	public static final String PREVIEW = "preview";

	/** Cost attributed to the job once finished, in dollars. */
	public static final String COST = "cost";

	/** Seconds the render took in the model. */
	public static final String RENDER_SECONDS = "renderSeconds";

	/**
	 * Which non-terminal events the owner wants as webhooks: a comma-separated list of {@code job.started} and
	 * {@code job.progress}, written by the gateway from the request's {@code webhookEvents}; terminal events are
	 * always sent when there is a callback URL.
	 */
	public static final String WEBHOOK_EVENTS = "webhookEvents";

	/** Outcome of the job's webhook deliveries: {@code pending}, {@code delivered}, {@code failed} or {@code refused}. */
	public static final String WEBHOOK_STATUS = "webhookStatus";

	/**
	 * The W3C {@code traceparent} of the gateway's {@code kiln.job.enqueue} span, written when the job is created: the
	 * parent of the job's webhook deliveries and what a job message re-sent by the outbox relay or a dead-letter
	 * redrive carries, so that every hop of the job stays in one trace.
	 */
	public static final String TRACEPARENT = "traceparent";

	/** The id of the job's trace (32 hex digits), written when the job is created; {@code GET /v1/jobs/{id}} shows it. */
	public static final String TRACE_ID = "traceId";

	private JobFields() {
	}

}
