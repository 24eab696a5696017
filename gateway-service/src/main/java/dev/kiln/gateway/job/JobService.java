package dev.kiln.gateway.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.CallbackUrlPolicy;
import dev.kiln.contract.ImageSize;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobLogContext;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.GatewayProperties;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.input.InputStore;
import dev.kiln.gateway.model.ModelCatalog;
import dev.kiln.gateway.web.ApiProblemException;
import dev.kiln.gateway.web.ApiProblemException.FieldProblem;

/** Accepts jobs, reads them back, lists and cancels them; always within the caller's tenant. */
@Service
class JobService {

	private static final Logger logger = LoggerFactory.getLogger(JobService.class);

	/** The {@code etaReason} of the answer to a submission, which does not estimate. */
	static final String NOT_ESTIMATED = "not-estimated";

	private final JobRepository repository;

	private final JobPublisher publisher;

	private final OutboxConfirmations confirmations;

	private final ImageLinks links;

	private final ModelCatalog models;

	private final JsonMapper json;

	private final Clock clock;

	private final GatewayProperties.Jobs defaults;

	private final GatewayApiProperties api;

	private final CallbackUrlPolicy callbackPolicy;

	private final InputStore inputs;

	private final JobTracing tracing;

	private final JobViews views;

	JobService(JobRepository repository, JobPublisher publisher, OutboxConfirmations confirmations, ImageLinks links,
			ModelCatalog models, JsonMapper json, Clock clock, GatewayProperties properties, GatewayApiProperties api,
			InputStore inputs, JobTracing tracing) {
		this.repository = repository;
		this.publisher = publisher;
		this.confirmations = confirmations;
		this.links = links;
		this.models = models;
		this.json = json;
		this.clock = clock;
		this.defaults = properties.jobs();
		this.api = api;
		this.callbackPolicy = api.callbacks().policy();
		this.inputs = inputs;
		this.tracing = tracing;
		this.views = new JobViews(repository, links, models, json, api);
	}

	/**
	 * The result of a submission.
	 *
	 * @param job the job
	 * @param replayed whether an earlier request with the same idempotency key created it
	 */
	record Submission(JobView job, boolean replayed) {
	}

	/**
	 * Checks the request against the models and rules, records the job as {@code QUEUED}, then enqueues it. If the
	 * queue refuses it, the record is withdrawn so that no job exists that no worker will ever see.
	 * @param caller who submits
	 * @param request a request that passed Bean Validation
	 * @param idempotencyKey the caller's {@code Idempotency-Key}, or {@code null}
	 * @return the accepted job, or the job an earlier request with the same key created
	 * @throws ApiProblemException when the request breaks a rule
	 * @throws IdempotencyKeyReusedException when the key was used for another body or a job that is gone
	 * @throws QuotaExceededException when the tenant is at its quota
	 * @throws QueueUnavailableException when the job could not be enqueued
	 */
	Submission submit(Caller caller, SubmitJobRequest request, @Nullable String idempotencyKey) {
		return this.tracing.submit((trace) -> submit(caller, request, idempotencyKey, trace));
	}

	private Submission submit(Caller caller, SubmitJobRequest request, @Nullable String idempotencyKey,
			JobTracing.Trace trace) {
		Instant now = this.clock.instant();
		String model = Objects.requireNonNullElse(request.model(), this.defaults.defaultModel());
		String metadata = check(request, model, idempotencyKey, now);
		checkInitImage(caller, request, model);
		// only a request with an idempotency key can be replayed; only then is its body compared
		String requestHash = (idempotencyKey != null) ? sha256Hex(this.json.writeValueAsString(request)) : null;
		// version 2 only when the job uses a version 2 field: workers of the previous release keep taking the rest
		JobMessage message = new JobMessage(JobMessage.versionFor(request.initImage(), request.clipSkip()),
				JobIds.next(this.clock), caller.tenant(), model,
				request.prompt(), request.negativePrompt(), request.width(), request.height(),
				Objects.requireNonNullElse(request.steps(), SubmitJobRequest.DEFAULT_STEPS),
				Objects.requireNonNullElse(request.guidanceScale(), SubmitJobRequest.DEFAULT_GUIDANCE_SCALE),
				(request.seed() != null) ? request.seed() : ThreadLocalRandom.current().nextLong(1L << 32),
				Objects.requireNonNullElse(request.numImages(), 1), Objects.requireNonNullElse(request.lane(), Lane.STANDARD),
				now, (request.deadline() != null) ? request.deadline().toInstant() : null, request.scheduler(),
				request.initImage(), (request.initImage() != null)
						? Objects.requireNonNullElse(request.strength(), SubmitJobRequest.DEFAULT_STRENGTH) : null,
				request.clipSkip());
		String body = this.json.writeValueAsString(message);
		Map<String, String> extra = new HashMap<>();
		if (requestHash != null) {
			extra.put(JobFields.REQUEST_HASH, requestHash);
		}
		if (request.callbackUrl() != null) {
			extra.put(JobFields.CALLBACK_URL, request.callbackUrl());
		}
		if (request.webhookEvents() != null && !request.webhookEvents().isEmpty()) {
			extra.put(JobFields.WEBHOOK_EVENTS,
					String.join(",", request.webhookEvents().stream().map(WebhookEvent::wireName).toList()));
		}
		if (metadata != null) {
			extra.put(JobFields.METADATA, metadata);
		}
		extra.putAll(trace.enqueue(message));
		JobRepository.Created created = this.repository.create(message, body, extra, idempotencyKey,
				this.api.requests().idempotencyTtl(), this.api.limits().maxQueuedJobs());
		switch (created.outcome()) {
			case DUPLICATE -> {
				return replay(caller, created.jobId(), Objects.requireNonNull(requestHash));
			}
			case QUOTA -> throw new QuotaExceededException(caller.tenant(), this.api.limits().maxQueuedJobs());
			case EXISTS -> throw new IllegalStateException("Job id " + message.jobId() + " exists already");
			case CREATED -> {
			}
		}
		// the job's id, tenant and lane on the lines logged about its enqueueing
		try (JobLogContext.Scope scope = JobLogContext.of(message)) {
			try {
				this.publisher.publish(message, body, trace.messageContext());
			}
			catch (RuntimeException ex) {
				trace.failed(ex);
				if (!JobPublisher.definitelyNotSent(ex)) {
					// SQS may have the message (a timeout, a connection lost mid-call): the job stays recorded and in
					// the outbox, so the queue service's relay sends it if it is not there; a duplicate is dropped by
					// workers
					logger.warn("SQS did not confirm job {}; it stays accepted and the outbox relay makes sure it is "
							+ "enqueued: {}", message.jobId(), ex.toString());
					return new Submission(accepted(message, request, created.position(), trace.traceId()), false);
				}
				logger.warn("Could not enqueue job {}; withdrawing it", message.jobId(), ex);
				this.repository.withdraw(message, idempotencyKey);
				throw new QueueUnavailableException("The job queue is not available right now; nothing was recorded",
						ex);
			}
			this.confirmations.confirmed(message.jobId());
			return new Submission(accepted(message, request, created.position(), trace.traceId()), false);
		}
	}

	/**
	 * The view of a job just accepted, built from what was recorded rather than read back: {@code QUEUED}, nothing
	 * started, and {@code queue} with the job's place in its lane when it was recorded but no estimate
	 * ({@code etaReason} {@value #NOT_ESTIMATED}); {@code GET /v1/jobs/{id}} has the live position and ETA.
	 */
	private JobView accepted(JobMessage message, SubmitJobRequest request, long position, @Nullable String traceId) {
		return JobView.accepted(message, new JobView.QueuePosition((int) position, null, NOT_ESTIMATED, null, null),
				new JobView.Echo(request.callbackUrl(), request.metadata(), traceId));
	}

	private Submission replay(Caller caller, String jobId, String requestHash) {
		Map<String, String> record = this.repository.find(jobId);
		if (record.isEmpty() || !caller.tenant().equals(record.get(JobFields.TENANT))) {
			throw IdempotencyKeyReusedException.forGoneJob();
		}
		if (!requestHash.equals(record.get(JobFields.REQUEST_HASH))) {
			throw IdempotencyKeyReusedException.forOtherBody(jobId);
		}
		return new Submission(this.views.view(jobId, record), true);
	}

	/**
	 * Checks an img2img request: the init image is an input of the caller's tenant (another tenant's id reads as
	 * unknown) of exactly the job's size, and a live worker announces img2img for the model. The job's size is
	 * required as for every job, not taken from the input.
	 */
	private void checkInitImage(Caller caller, SubmitJobRequest request, String model) {
		List<FieldProblem> problems = new ArrayList<>();
		if (request.initImage() == null) {
			if (request.strength() != null) {
				problems.add(new FieldProblem("strength", "needs an initImage"));
			}
		}
		else {
			if (!this.models.imageToImage(model)) {
				problems.add(new FieldProblem("initImage", "model " + model + " does not render from an init image "
						+ "(no live worker announces img2img for it)"));
			}
			this.inputs.find(caller.tenant(), request.initImage()).ifPresentOrElse((input) -> {
				if (input.width() != request.width() || input.height() != request.height()) {
					problems.add(new FieldProblem("initImage", "is " + input.width() + "x" + input.height()
							+ "; the job is " + request.width() + "x" + request.height() + " and must be the same size"));
				}
			}, () -> problems.add(new FieldProblem("initImage", "is not an input of this tenant (upload it with POST "
					+ "/v1/inputs; inputs expire with the job retention)")));
		}
		if (!problems.isEmpty()) {
			throw ApiProblemException.invalid(problems);
		}
	}

	/** Checks what Bean Validation cannot; returns the metadata as JSON. */
	private @Nullable String check(SubmitJobRequest request, String model, @Nullable String idempotencyKey,
			Instant now) {
		List<FieldProblem> problems = new ArrayList<>();
		if (idempotencyKey != null && !idempotencyKey.matches("[\\x21-\\x7E]{1,255}")) {
			problems.add(new FieldProblem("Idempotency-Key", "must be 1-255 visible ASCII characters"));
		}
		GatewayApiProperties.ModelLimits limits = this.models.limits(model).orElse(null);
		if (limits == null) {
			problems.add(new FieldProblem("model",
					"is not a known model; known models: " + String.join(", ", this.models.ids())));
		}
		else {
			long pixels = (long) request.width() * request.height();
			// the sizes live workers announce from the model's kiln-model.json; none while no live worker has
			// announced the model: its sizes are unknown then, so the job is accepted within maxPixels as before and
			// a worker that cannot render that size fails it as invalid-request
			List<ImageSize> sizes = this.models.sizes(model);
			if (!sizes.isEmpty() && !sizes.contains(new ImageSize(request.width(), request.height()))) {
				problems.add(new FieldProblem("width", "width × height " + request.width() + "x" + request.height()
						+ " is not a size model " + model + " renders; its sizes: "
						+ String.join(", ", sizes.stream().map(ImageSize::toString).toList())));
			}
			else if (pixels > limits.maxPixels()) {
				problems.add(new FieldProblem("width", "width × height must be at most " + limits.maxPixels()
						+ " pixels for model " + model));
			}
			int steps = Objects.requireNonNullElse(request.steps(), SubmitJobRequest.DEFAULT_STEPS);
			if (steps > limits.maxSteps()) {
				problems.add(new FieldProblem("steps", "must be at most " + limits.maxSteps() + " for model " + model));
			}
			if (Objects.requireNonNullElse(request.numImages(), 1) > limits.maxBatch()) {
				problems.add(
						new FieldProblem("numImages", "must be at most " + limits.maxBatch() + " for model " + model));
			}
			String scheduler = request.scheduler();
			if (scheduler != null) {
				// the samplers live workers announce for the model; unknown while none has announced it: then any
				// sampler Kiln has is accepted and a worker that does not offer it fails the job as invalid-request
				List<String> schedulers = this.models.schedulers(model).orElse(null);
				if (schedulers != null && !schedulers.contains(scheduler)) {
					problems.add(new FieldProblem("scheduler", schedulers.isEmpty()
							? "model " + model + " has no choice of scheduler; leave the field out"
							: "is not a scheduler model " + model + " renders with; its schedulers: "
									+ String.join(", ", schedulers)));
				}
				else if (schedulers == null && !SubmitJobRequest.SCHEDULERS.contains(scheduler)) {
					problems.add(new FieldProblem("scheduler",
							"is not a known scheduler; known: " + String.join(", ", SubmitJobRequest.SCHEDULERS)));
				}
			}
			if (request.clipSkip() != null) {
				// only what a live worker announces: a worker that cannot skip layers would render without the skip
				int maxClipSkip = this.models.maxClipSkip(model);
				if (request.clipSkip() > maxClipSkip) {
					problems.add(new FieldProblem("clipSkip", (maxClipSkip == 0)
							? "model " + model + " does not support clip skip (no live worker announces it); leave the "
									+ "field out"
							: "must be at most " + maxClipSkip + " for model " + model));
				}
			}
		}
		if (request.deadline() != null
				&& request.deadline().toInstant().isAfter(now.plus(this.api.requests().maxDeadline()))) {
			problems.add(new FieldProblem("deadline",
					"must be at most " + this.api.requests().maxDeadline().toDays() + " days ahead"));
		}
		if (request.callbackUrl() != null) {
			String refusal = this.callbackPolicy.refusal(request.callbackUrl());
			if (refusal != null) {
				problems.add(new FieldProblem("callbackUrl", refusal));
			}
		}
		if (request.webhookEvents() != null && !request.webhookEvents().isEmpty() && request.callbackUrl() == null) {
			problems.add(new FieldProblem("webhookEvents", "needs a callbackUrl to send the events to"));
		}
		String metadata = null;
		if (request.metadata() != null) {
			metadata = this.json.writeValueAsString(request.metadata());
			long max = this.api.requests().maxMetadataSize().toBytes();
			if (metadata.getBytes(StandardCharsets.UTF_8).length > max) {
				problems.add(new FieldProblem("metadata", "must be at most " + max + " bytes as JSON"));
			}
		}
		if (!problems.isEmpty()) {
			throw ApiProblemException.invalid(problems);
		}
		return metadata;
	}

	/**
	 * The caller's job with that id.
	 * @param caller who asks
	 * @param jobId the id
	 * @return the job
	 * @throws JobNotFoundException when there is no such job or it belongs to another tenant
	 */
	JobView find(Caller caller, String jobId) {
		return this.views.view(jobId, record(caller, jobId));
	}

	/**
	 * A page of the caller's jobs, newest first.
	 * @param caller who asks
	 * @param state only jobs in this state, or {@code null}
	 * @param lane only jobs in this lane, or {@code null}
	 * @param cursor the {@code nextCursor} of the previous page, or {@code null}
	 * @param limit jobs per page
	 * @return the page
	 */
	JobPage list(Caller caller, @Nullable JobState state, @Nullable Lane lane, @Nullable String cursor, int limit) {
		if (cursor != null && !JobIds.isValid(cursor)) {
			throw ApiProblemException.invalid(List.of(new FieldProblem("cursor", "is not a cursor this API returned")));
		}
		JobRepository.Page page = this.repository.page(caller.tenant(), cursor, limit,
				(record) -> (state == null || state.name().equals(record.get(JobFields.STATE)))
						&& (lane == null || lane.wireName().equals(record.get(JobFields.LANE))));
		List<JobView> jobs = page.records()
			.stream()
			.map((entry) -> this.views.view(entry.getKey(), entry.getValue()))
			.toList();
		return new JobPage(jobs, page.nextCursor());
	}

	/**
	 * Cancels the caller's job: a waiting job becomes {@code CANCELLED} at once and is never rendered; a running job
	 * is asked to stop and its worker reports {@code CANCELLED} within a step.
	 * @param caller who asks
	 * @param jobId the job
	 * @return the job afterwards, and whether it is cancelled already ({@code false}: stop requested)
	 * @throws JobNotFoundException when there is no such job or it belongs to another tenant
	 * @throws JobFinishedException when the job has finished
	 */
	Cancellation cancel(Caller caller, String jobId) {
		Map<String, String> record = record(caller, jobId);
		Lane lane = Lane.fromWireName(record.get(JobFields.LANE));
		String result = this.repository.cancel(caller.tenant(), jobId, lane, this.clock.instant(), this.api.retention());
		return switch (result) {
			case "cancelled" -> new Cancellation(this.views.view(jobId, this.repository.find(jobId)), true);
			case "requested" -> new Cancellation(this.views.view(jobId, this.repository.find(jobId)), false);
			case "finished" -> {
				String state = this.repository.find(jobId).getOrDefault(JobFields.STATE, "finished");
				throw new JobFinishedException(jobId, state);
			}
			default -> throw new JobNotFoundException(jobId);
		};
	}

	/**
	 * The outcome of a cancel request.
	 *
	 * @param job the job afterwards
	 * @param cancelled whether it is cancelled already; otherwise its worker was asked to stop
	 */
	record Cancellation(JobView job, boolean cancelled) {
	}

	/**
	 * A fresh presigned link to an image of the caller's job.
	 * @param caller who asks
	 * @param jobId the job
	 * @param index the image number, from 0
	 * @return the link
	 * @throws ImageNotFoundException when the job has no such image (yet)
	 */
	JobView.ImageLink image(Caller caller, String jobId, int index) {
		Map<String, String> record = record(caller, jobId);
		List<String> images = this.views.imageKeys(record);
		if (index < 0 || index >= images.size()) {
			throw new ImageNotFoundException(jobId, images.size(), record.get(JobFields.STATE));
		}
		return this.links.link(index, images.get(index));
	}

	/**
	 * The record of the caller's job, for the event stream.
	 * @throws JobNotFoundException when there is no such job or it belongs to another tenant
	 */
	Map<String, String> record(Caller caller, String jobId) {
		if (!JobIds.isValid(jobId)) {
			throw new JobNotFoundException(jobId);
		}
		Map<String, String> record = this.repository.find(jobId);
		if (record.isEmpty() || !caller.tenant().equals(record.get(JobFields.TENANT))) {
			throw new JobNotFoundException(jobId);
		}
		return record;
	}

	private static String sha256Hex(String value) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
	}

}
