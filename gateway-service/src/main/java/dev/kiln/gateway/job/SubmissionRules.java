package dev.kiln.gateway.job;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

import dev.kiln.contract.CallbackUrlPolicy;
import dev.kiln.contract.ImageSize;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.input.InputStore;
import dev.kiln.gateway.model.ModelCatalog;
import dev.kiln.gateway.web.ApiProblemException;
import dev.kiln.gateway.web.ApiProblemException.FieldProblem;
import dev.kiln.support.config.SharedProperties;

/**
 * What a submission must keep beyond Bean Validation: the limits, sizes, samplers and features of its model as the
 * model catalog (configuration and live workers' heartbeats) knows them, its init image, deadline, callback URL and
 * metadata size. Every broken rule is named in one {@code invalid-request} problem.
 */
@Component
class SubmissionRules {

	private final ModelCatalog models;

	private final InputStore inputs;

	private final GatewayApiProperties.Requests requests;

	private final CallbackUrlPolicy callbacks;

	SubmissionRules(ModelCatalog models, InputStore inputs, GatewayApiProperties api, SharedProperties shared) {
		this.models = models;
		this.inputs = inputs;
		this.requests = api.requests();
		this.callbacks = shared.callbacks().policy();
	}

	/**
	 * Checks a request.
	 * @param caller who submits
	 * @param request a request that passed Bean Validation
	 * @param idempotencyKey the caller's {@code Idempotency-Key}, or {@code null}
	 * @param metadata the request's metadata as JSON, or {@code null}
	 * @param now the time of the submission
	 * @return the model the job is for: the request's, or the catalog's default
	 * @throws ApiProblemException when the request breaks a rule
	 */
	String check(Caller caller, SubmitJobRequest request, @Nullable String idempotencyKey, @Nullable String metadata,
			Instant now) {
		String model = Objects.requireNonNullElse(request.model(), this.models.defaultModel());
		check(request, model, idempotencyKey, metadata, now);
		checkInitImage(caller, request, model);
		return model;
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

	private void check(SubmitJobRequest request, String model, @Nullable String idempotencyKey,
			@Nullable String metadata, Instant now) {
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
			checkModel(request, model, limits, problems);
		}
		if (request.deadline() != null
				&& request.deadline().toInstant().isAfter(now.plus(this.requests.maxDeadline()))) {
			problems.add(new FieldProblem("deadline",
					"must be at most " + this.requests.maxDeadline().toDays() + " days ahead"));
		}
		if (request.callbackUrl() != null) {
			String refusal = this.callbacks.refusal(request.callbackUrl());
			if (refusal != null) {
				problems.add(new FieldProblem("callbackUrl", refusal));
			}
		}
		if (request.webhookEvents() != null && !request.webhookEvents().isEmpty() && request.callbackUrl() == null) {
			problems.add(new FieldProblem("webhookEvents", "needs a callbackUrl to send the events to"));
		}
		if (metadata != null) {
			long max = this.requests.maxMetadataSize().toBytes();
			if (metadata.getBytes(StandardCharsets.UTF_8).length > max) {
				problems.add(new FieldProblem("metadata", "must be at most " + max + " bytes as JSON"));
			}
		}
		if (!problems.isEmpty()) {
			throw ApiProblemException.invalid(problems);
		}
	}

	/** The rules of a known model: its size, steps, batch, sampler and clip skip. */
	private void checkModel(SubmitJobRequest request, String model, GatewayApiProperties.ModelLimits limits,
			List<FieldProblem> problems) {
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
			problems.add(new FieldProblem("numImages", "must be at most " + limits.maxBatch() + " for model " + model));
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

}
