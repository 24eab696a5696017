package dev.kiln.worker.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobLogContext;
import dev.kiln.contract.JobMessage;
import dev.kiln.support.metrics.Meters;
import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.model.ModelRegistry;
import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.InitImage;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderMonitor;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;

/**
 * Runs the jobs of one receive, and makes sure every message ends in exactly one of three ways:
 * <ul>
 * <li><b>deleted</b>, once the job is done with: its outputs are in S3 and {@code SUCCEEDED} is on the events queue,
 * or it can never succeed ({@code FAILED} sent), or it was cancelled ({@code CANCELLED} sent), or its record says it
 * already finished (a duplicate delivery);</li>
 * <li><b>handed back</b> with a visibility timeout: 0 when the worker drains (after a checkpoint), an exponential
 * backoff after a transient fault (S3, Redis, SQS, out of memory), or a full visibility timeout when another live
 * worker holds the job's lease (a duplicate delivery that must outlive that worker should it die);</li>
 * <li><b>left</b> to come back when its visibility lapses, when it cannot even be read; after maxReceiveCount
 * deliveries the lane's dead-letter queue takes it.</li>
 * </ul>
 * Compatible jobs (same model, size and steps, up to the model's max batch in images) render in one forward pass
 * ({@link PassFiller} gathers them); each keeps its own outputs, events and outcome, and a request the model refuses
 * fails alone (the batch is split until the refused request renders by itself).
 * <p>
 * Each job's spans ({@link JobSpans}) belong to the trace its message carried; while the processor handles a job, the
 * job's current span is in scope, so its events carry its trace context and its log lines its {@code traceId}.
 */
@Component
@RequiredArgsConstructor
class JobProcessor {

	private static final Logger logger = LoggerFactory.getLogger(JobProcessor.class);

	private static final long CANCEL_CHECK_NANOS = Duration.ofMillis(100).toNanos();

	private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(30);

	private final ModelRegistry models;

	private final InputImages inputs;

	private final Holdings holdings;

	private final OutputStore outputs;

	private final WorkerEvents events;

	private final JobSpans spans;

	private final DrainState drain;

	private final MeterRegistry meters;

	private final WorkerProperties properties;

	private final Backoff backoff;

	/**
	 * Handles messages received together. Returns when every one of them is deleted, handed back or left.
	 * @param received the messages, all from one lane
	 */
	void process(List<HeldMessage> received) {
		try {
			processHeld(received);
		}
		finally {
			received.forEach(this.spans::forget);
		}
	}

	private void processHeld(List<HeldMessage> received) {
		received.forEach(this.holdings::hold);
		List<Admitted> admitted = new ArrayList<>();
		for (HeldMessage message : received) {
			if (this.drain.draining()) {
				handBack(message, null);
			}
			else {
				Admitted job = admit(message);
				if (job != null) {
					admitted.add(job);
				}
			}
		}
		for (List<Admitted> group : groups(admitted)) {
			if (this.drain.draining()) {
				group.forEach((job) -> handBack(job.message(), null));
			}
			else {
				render(group);
			}
		}
	}

	/** Checks a message before rendering: readable, not a duplicate, not cancelled, leased, a model that fits. */
	private @Nullable Admitted admit(HeldMessage message) {
		JobMessage job = message.job();
		if (job == null) {
			// Not a job this worker can read: leave it for the dead-letter queue, where a person can look at it.
			this.holdings.letGo(message);
			outcome("unknown", "unreadable");
			return null;
		}
		// the job's id, tenant, lane and trace on every line logged about it (fail and retryLater put them again)
		this.spans.received(message, job);
		try (JobLogContext.Scope scope = inScope(message, job)) {
			JobRecords.Claim claim = this.holdings.claim(job.jobId());
			switch (claim.standing()) {
				case FINISHED -> {
					logger.info("Job {} already finished; dropping duplicate delivery {}", job.jobId(),
							message.messageId());
					delete(message);
					// an earlier attempt may have finished without cleaning up (its final event went out while the
					// connection to SQS dropped): the checkpoint is of no use any more
					quietly(() -> this.outputs.deleteCheckpoint(job));
					outcome(job.model(), "duplicate");
					return null;
				}
				case CANCEL_REQUESTED -> {
					cancel(message, job);
					return null;
				}
				case OPEN -> {
				}
			}
			if (claim.holder() != null) {
				logger.info("Job {} is leased by live worker {}; leaving delivery {} invisible without rendering",
						job.jobId(), claim.holder(), message.messageId());
				this.holdings.handBack(message, (int) this.properties.visibilityTimeout().toSeconds());
				outcome(job.model(), "duplicate");
				return null;
			}
			this.holdings.leased(job.jobId());
			ServedModel model = this.models.find(job.model())
				.orElseThrow(() -> new PermanentJobFailure("unknown-model",
						"This worker does not serve model '" + job.model() + "'; it serves " + this.models.ids()));
			String refusal = model.refusal(job.width(), job.height(), job.steps(), job.numImages(), job.scheduler(),
					job.initImage() != null, job.clipSkip());
			if (refusal != null) {
				throw new PermanentJobFailure("invalid-request", refusal);
			}
			// an img2img render hands out no checkpoints: it starts over from its init image
			InitImage initImage = this.inputs.read(job);
			return new Admitted(message, job, model,
					(model.generator().resumable() && initImage == null) ? checkpoint(job, model) : null, initImage);
		}
		catch (PermanentJobFailure ex) {
			fail(message, job, ex.errorType(), ex.getMessage());
			return null;
		}
		catch (RuntimeException ex) {
			retryLater(message, job, ex, -1);
			return null;
		}
		finally {
			this.spans.admitted(message);
		}
	}

	/**
	 * Puts the job's id, tenant and lane in the logging MDC and its current span in scope ({@link JobSpans}): the lines
	 * logged and the events sent meanwhile belong to it.
	 */
	private JobLogContext.Scope inScope(HeldMessage message, JobMessage job) {
		JobLogContext.Scope log = JobLogContext.of(job);
		Tracer.SpanInScope span = this.spans.scope(message);
		return () -> {
			span.close();
			log.close();
		};
	}

	/**
	 * The job's checkpoint, if it has one this model wrote for this render. A checkpoint of another model (another
	 * type, scheduler or location behind the same id, or one written before checkpoints named their model) is
	 * discarded: the job starts over.
	 */
	private @Nullable RenderCheckpoint checkpoint(JobMessage job, ServedModel model) {
		byte[] bytes = this.outputs.readCheckpoint(job);
		if (bytes == null) {
			return null;
		}
		try {
			RenderCheckpoint checkpoint = RenderCheckpoint.fromBytes(bytes);
			String origin = origin(model);
			if (!checkpoint.origin().equals(origin)) {
				logger.warn("Job {} has a checkpoint written by another model ('{}', this one is '{}'); starting afresh",
						job.jobId(), checkpoint.origin(), origin);
				return null;
			}
			if (checkpoint.totalSteps() == job.steps() && checkpoint.step() < job.steps()) {
				logger.info("Job {} resumes from its checkpoint at step {} of {}", job.jobId(), checkpoint.step(),
						checkpoint.totalSteps());
				return checkpoint;
			}
			logger.warn("Job {} has a checkpoint for another render (step {} of {}); starting afresh", job.jobId(),
					checkpoint.step(), checkpoint.totalSteps());
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Job {} has an unreadable checkpoint ({}); starting afresh", job.jobId(), ex.getMessage());
		}
		return null;
	}

	/**
	 * What a checkpoint records as its writer: the model id, type, scheduler and location. A checkpoint resumes only
	 * on a model with the same description, so a redeploy that puts other weights or another sampler behind the id
	 * never continues a render it did not start.
	 */
	static String origin(ServedModel model) {
		WorkerProperties.Model config = model.config();
		return model.id() + " " + config.type().wireName() + " " + model.limits().scheduler() + " "
				+ config.location();
	}

	/** Jobs that may share a forward pass: same model, size and steps, none resumed, within the model's max batch. */
	private static List<List<Admitted>> groups(List<Admitted> admitted) {
		List<List<Admitted>> groups = new ArrayList<>();
		for (Admitted job : admitted) {
			List<Admitted> target = null;
			if (job.checkpoint() == null && job.model().generator().batches()) {
				for (List<Admitted> group : groups) {
					if (job.fitsWith(group)) {
						target = group;
						break;
					}
				}
			}
			if (target == null) {
				target = new ArrayList<>();
				groups.add(target);
			}
			target.add(job);
		}
		return groups;
	}

	private void render(List<Admitted> group) {
		render(group, true);
	}

	/**
	 * Renders the group in one pass and ends each job's attempt.
	 * @param group compatible jobs
	 * @param announce whether to send {@code STARTED} (not when the jobs are rendered again after their first pass
	 * ran out of GPU memory: they started then)
	 */
	private void render(List<Admitted> group, boolean announce) {
		ServedModel model = group.get(0).model();
		this.holdings.rendering(jobIds(group));
		Instant started = this.events.now();
		List<Span> renderSpans = this.spans.render(group.stream().map(Admitted::message).toList(), model.id());
		Throwable failure = null;
		JobMonitor monitor = new JobMonitor(group, renderSpans);
		// STARTED goes out while the model renders; the event that ends the attempt waits until SQS has it, so STARTED
		// is always sent first
		List<CompletableFuture<?>> startedEvents = new ArrayList<>();
		try {
			for (Admitted admitted : (announce ? group : List.<Admitted>of())) {
				JobMessage job = admitted.job();
				try (Tracer.SpanInScope span = this.spans.scope(admitted.message())) {
					startedEvents.add(this.events.startedAsync(job, admitted.attempt(), started));
				}
				Timer.builder("kiln.worker.queue.wait")
					.description("Time from submission to the start of an attempt")
					.tag("lane", job.lane().wireName())
					.register(this.meters)
					.record(Duration.between(job.submittedAt(), started));
			}
			List<RenderRequest> requests = group.stream().map(Admitted::request).toList();
			List<@Nullable RenderCheckpoint> resumeFrom = new ArrayList<>();
			group.forEach((job) -> resumeFrom.add(job.checkpoint()));
			batchSize(model, group);
			List<RenderedImages> results = model.generator().render(requests, resumeFrom, monitor);
			ImageRenderTime.record(this.meters, model, requests, resumeFrom, results);
			Instant finished = this.events.now();
			for (int i = 0; i < group.size(); i++) {
				finish(group.get(i), results.get(i), started, finished, group.size(), startedEvents);
			}
		}
		catch (RuntimeException | OutOfMemoryError ex) {
			failure = ex;
			awaitSent(startedEvents);
			failed(group, ex, monitor);
		}
		finally {
			JobSpans.end(renderSpans, failure);
			this.holdings.idle();
		}
	}

	/** A render that did not finish: drained, cancelled, impossible, or a transient fault. */
	private void failed(List<Admitted> group, Throwable failure, JobMonitor monitor) {
		switch (failure) {
			case StopRender ex when ex.cancelledJobs().isEmpty() ->
				group.forEach((job) -> handBack(job.message(), ex.step()));
			case StopRender ex -> {
				List<Admitted> others = new ArrayList<>();
				for (Admitted job : group) {
					if (ex.cancelledJobs().contains(job.job().jobId())) {
						cancel(job.message(), job.job());
					}
					else {
						others.add(job);
					}
				}
				if (!others.isEmpty()) {
					render(others);
				}
			}
			case PermanentJobFailure ex when group.size() > 1 -> split(group, ex);
			case PermanentJobFailure ex ->
				group.forEach((job) -> fail(job.message(), job.job(), ex.errorType(), ex.getMessage()));
			case IllegalArgumentException ex when group.stream().anyMatch((job) -> job.checkpoint() != null) -> {
				// the model refused the checkpoint (a state layout of another version): start over without it; a
				// request that is itself invalid fails again, now as invalid-request
				logger.warn("Jobs {} could not resume from their checkpoints ({}); starting afresh", jobIds(group),
						ex.getMessage());
				render(group.stream().map(Admitted::withoutCheckpoint).toList(), false);
			}
			case IllegalArgumentException ex when group.size() > 1 -> split(group, ex);
			case IllegalArgumentException ex ->
				group.forEach((job) -> fail(job.message(), job.job(), "invalid-request", ex.getMessage()));
			case Throwable ex when CudaOutOfMemory.isCause(ex) -> outOfMemory(group, ex);
			default -> group.forEach((job) -> retryLater(job.message(), job.job(), failure, monitor.lastStep()));
		}
	}

	/**
	 * A batch the model refused for good ({@link PermanentJobFailure}, or a request it cannot render): the refusal may
	 * belong to one request only (a bad guidance scale, a prompt it cannot encode), so the group is rendered again in
	 * two halves, each split again should it fail again, down to one job, which then fails alone. The other jobs
	 * render and keep their own outputs and events; {@code STARTED} is not sent again.
	 */
	private void split(List<Admitted> group, RuntimeException failure) {
		int half = group.size() / 2;
		logger.warn("A batch of {} jobs of model {} was refused ({}); rendering it again as {} + {} jobs to find the "
				+ "request at fault", group.size(), group.get(0).model().id(), failure.getMessage(), half,
				group.size() - half);
		for (List<Admitted> part : List.of(group.subList(0, half), group.subList(half, group.size()))) {
			if (this.drain.draining()) {
				part.forEach((job) -> handBack(job.message(), 0));
			}
			else {
				render(List.copyOf(part), false);
			}
		}
	}

	/**
	 * A pass that ran out of GPU memory: the group is rendered again in two halves, each split again should it still
	 * not fit, down to one job; a job that does not fit alone fails with {@code out-of-memory} (retrying it elsewhere
	 * would run out the same way). Each job keeps its own outputs, events and outcome.
	 */
	private void outOfMemory(List<Admitted> group, Throwable failure) {
		ServedModel model = group.get(0).model();
		Meters.counter(this.meters, "kiln.worker.out.of.memory",
				"Render passes that ran out of GPU memory (the batch is split, or a lone job fails)",
				"model", model.id())
			.increment();
		int images = group.stream().mapToInt((job) -> job.job().numImages()).sum();
		JobMessage first = group.get(0).job();
		if (group.size() == 1) {
			fail(group.get(0).message(), first, "out-of-memory", "Model '" + model.id() + "' ran out of GPU memory "
					+ "rendering " + images + " image(s) of " + first.width() + "x" + first.height() + " alone: "
					+ CudaOutOfMemory.summary(failure));
			return;
		}
		int half = group.size() / 2;
		logger.warn("A batch of {} jobs ({} images {}x{}) of model {} ran out of GPU memory; rendering it again as {} + "
				+ "{} jobs: {}", group.size(), images, first.width(), first.height(), model.id(), half,
				group.size() - half, CudaOutOfMemory.summary(failure));
		for (List<Admitted> part : List.of(group.subList(0, half), group.subList(half, group.size()))) {
			if (this.drain.draining()) {
				part.forEach((job) -> handBack(job.message(), 0));
			}
			else {
				render(List.copyOf(part), false);
			}
		}
	}

	/**
	 * Records the images of a forward pass in {@code kiln_worker_batch_size}, a histogram with one bucket per size up
	 * to the model's {@code max-batch}. A pass rendered again (split after running out of memory or after a refusal)
	 * counts again: it is another pass.
	 */
	private void batchSize(ServedModel model, List<Admitted> group) {
		int max = model.limits().maxBatch();
		double[] buckets = new double[max];
		for (int i = 0; i < max; i++) {
			buckets[i] = i + 1;
		}
		DistributionSummary.builder("kiln.worker.batch.size")
			.description("Images per forward pass")
			.tag("model", model.id())
			.serviceLevelObjectives(buckets)
			.minimumExpectedValue(1.0)
			.maximumExpectedValue((double) max)
			.register(this.meters)
			.record(group.stream().mapToInt((job) -> job.job().numImages()).sum());
	}

	private static List<String> jobIds(List<Admitted> group) {
		return group.stream().map((job) -> job.job().jobId()).toList();
	}

	/**
	 * Waits until SQS has the events (or refused them). A refused {@code STARTED} is only logged: the job's next
	 * event moves it on by itself.
	 */
	private static void awaitSent(List<CompletableFuture<?>> events) {
		for (CompletableFuture<?> event : events) {
			try {
				event.get(EVENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (ExecutionException | TimeoutException ex) {
				logger.warn("An event SQS did not confirm: {}", (ex.getCause() != null) ? ex.getCause() : ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void finish(Admitted admitted, RenderedImages images, Instant started, Instant finished, int batchSize,
			List<CompletableFuture<?>> startedEvents) {
		JobMessage job = admitted.job();
		try (JobLogContext.Scope scope = inScope(admitted.message(), job)) {
			double seconds = images.renderTime().toNanos() / 1e9;
			RenderMetadata metadata = new RenderMetadata(job, job.seed(), admitted.model().id(), images.device(),
					this.properties.id(), admitted.attempt(), job.submittedAt(), started, finished, seconds,
					(admitted.checkpoint() != null) ? admitted.checkpoint().step() : 0, batchSize,
					this.spans.traceId(admitted.message()));
			List<String> keys = this.outputs.write(job, images.pngs(), metadata);
			awaitSent(startedEvents);
			this.events.succeeded(job, admitted.attempt(), keys, finished, seconds);
			settle(admitted.message(), job);
			outcome(admitted.model().id(), "succeeded");
			Timer.builder("kiln.worker.render")
				.description("Time spent rendering one job in the model")
				.tag("model", admitted.model().id())
				.tag("device", images.device())
				.publishPercentileHistogram()
				.register(this.meters)
				.record(images.renderTime());
			logger.info("Job {} rendered {} image(s) {}x{} in {} ms on {} (attempt {}, batch of {}{})", job.jobId(),
					images.pngs().size(), job.width(), job.height(), images.renderTime().toMillis(), images.device(),
					admitted.attempt(), batchSize, (admitted.checkpoint() != null)
							? ", resumed at step " + admitted.checkpoint().step() : "");
		}
		catch (RuntimeException ex) {
			retryLater(admitted.message(), job, ex, job.steps());
		}
	}

	private void cancel(HeldMessage message, JobMessage job) {
		try (JobLogContext.Scope scope = inScope(message, job)) {
			logger.info("Job {} cancelled by its owner", job.jobId());
			this.events.cancelled(job, message.attempt());
			settle(message, job);
			outcome(job.model(), "cancelled");
		}
	}

	private void fail(HeldMessage message, JobMessage job, String errorType, @Nullable String detail) {
		try (JobLogContext.Scope scope = inScope(message, job)) {
			logger.warn("Job {} failed for good: {}", job.jobId(), detail);
			try {
				this.events.failed(job, message.attempt(), errorType, (detail != null) ? detail : errorType);
				settle(message, job);
				outcome(job.model(), "failed");
			}
			catch (RuntimeException ex) {
				retryLater(message, job, ex, -1);
			}
		}
	}

	/** A transient fault: {@code RELEASED} when the attempt had started, and the message back after a backoff. */
	private void retryLater(HeldMessage message, JobMessage job, Throwable cause, int step) {
		try (JobLogContext.Scope scope = inScope(message, job)) {
			int seconds = this.backoff.seconds(message.attempt());
			String detail = (cause.getMessage() != null) ? cause.getMessage() : cause.getClass().getSimpleName();
			logger.warn("Job {} attempt {} met a transient fault; it comes back in {} s: {}", job.jobId(),
					message.attempt(), seconds, detail, cause);
			if (step >= 0) {
				quietly(() -> this.events.released(job, message.attempt(), step, "transient", detail));
			}
			quietly(() -> this.holdings.handBack(message, seconds));
			this.holdings.release(job.jobId());
			outcome(job.model(), "retried");
		}
	}

	/**
	 * Hands a message back at once (visibility 0) because the worker drains. A job that had started gets
	 * {@code RELEASED}; its checkpoint is already in S3.
	 */
	private void handBack(HeldMessage message, @Nullable Integer step) {
		JobMessage job = message.job();
		if (job != null && step != null) {
			try (Tracer.SpanInScope span = this.spans.scope(message)) {
				quietly(() -> this.events.released(job, message.attempt(), step, "worker-draining",
						"The worker drained before the job finished; it resumes from its checkpoint on another worker"));
			}
		}
		quietly(() -> this.holdings.handBack(message, 0));
		if (job != null) {
			this.holdings.release(job.jobId());
			outcome(job.model(), "released");
		}
		logger.info("Handed back message {} ({}) because the worker drains", message.messageId(),
				(job != null) ? "job " + job.jobId() + ((step != null) ? " at step " + step : " not started") : "unread");
	}

	private void delete(HeldMessage message) {
		this.holdings.delete(message);
	}

	/**
	 * Once the job's final event is out: drops its checkpoint, deletes its message, gives up its lease. The checkpoint
	 * goes first: a delete that SQS carries out but whose answer is lost (an outage mid-call) leaves no message to
	 * deliver again, so nothing would come back to clean up after it.
	 */
	private void settle(HeldMessage message, JobMessage job) {
		quietly(() -> this.outputs.deleteCheckpoint(job));
		delete(message);
		this.holdings.release(job.jobId());
	}

	private static void quietly(Runnable action) {
		try {
			action.run();
		}
		catch (RuntimeException ex) {
			logger.warn("Ignored while giving up on a message: {}", ex.getMessage());
		}
	}

	private void outcome(String model, String outcome) {
		Meters.counter(this.meters, "kiln.worker.jobs", "Jobs handled by outcome", "model", model, "outcome", outcome)
			.increment();
	}

	/** Watches a render between steps: progress, previews, checkpoints, cancellation and the drain deadline. */
	private final class JobMonitor implements RenderMonitor {

		private final List<Admitted> group;

		private final List<Span> spans;

		private final boolean resumable;

		private long lastProgress = System.nanoTime();

		private long lastCancelCheck;

		private boolean stopping;

		private int lastStep;

		private int previewStep = -1;

		JobMonitor(List<Admitted> group, List<Span> spans) {
			this.group = group;
			this.spans = spans;
			this.resumable = group.get(0).model().generator().resumable();
			RenderCheckpoint checkpoint = group.get(0).checkpoint();
			this.lastStep = (checkpoint != null) ? checkpoint.step() : 0;
		}

		int lastStep() {
			return this.lastStep;
		}

		@Override
		public boolean wantsCheckpoint(int step, int totalSteps) {
			this.stopping = step < totalSteps && JobProcessor.this.drain.deadlinePassed();
			int every = JobProcessor.this.properties.checkpointEvery();
			return this.stopping || (every > 0 && step % every == 0 && step < totalSteps);
		}

		@Override
		public void onCheckpoint(int request, RenderCheckpoint checkpoint) {
			Admitted admitted = this.group.get(request);
			try (Tracer.SpanInScope span = JobProcessor.this.spans.scope(admitted.message())) {
				JobProcessor.this.outputs.writeCheckpoint(admitted.job(),
						checkpoint.withOrigin(origin(admitted.model())).toBytes());
			}
		}

		@Override
		public boolean wantsPreview(int step, int totalSteps) {
			int every = JobProcessor.this.properties.previewEvery();
			return every > 0 && step % every == 0;
		}

		@Override
		public void onPreview(int request, int step, byte[] png) {
			Admitted admitted = this.group.get(request);
			JobMessage job = admitted.job();
			try (Tracer.SpanInScope span = JobProcessor.this.spans.scope(admitted.message())) {
				String key = JobProcessor.this.outputs.writePreview(job, step, png);
				JobProcessor.this.events.preview(job, admitted.attempt(), step, key);
			}
			this.previewStep = step;
		}

		@Override
		public void onStep(int step, int totalSteps) {
			JobSpans.step(this.spans, step);
			long now = System.nanoTime();
			if (step < totalSteps && this.previewStep != step
					&& now - this.lastProgress >= JobProcessor.this.properties.progressInterval().toNanos()) {
				this.lastProgress = now;
				Instant at = JobProcessor.this.events.now();
				for (Admitted admitted : this.group) {
					try (Tracer.SpanInScope span = JobProcessor.this.spans.scope(admitted.message())) {
						JobProcessor.this.events.progress(admitted.job(), admitted.attempt(), step, totalSteps, at);
					}
				}
			}
			if (now - this.lastCancelCheck >= CANCEL_CHECK_NANOS) {
				this.lastCancelCheck = now;
				Set<String> cancelled = new LinkedHashSet<>();
				for (Admitted admitted : this.group) {
					if (JobProcessor.this.holdings.cancelRequested(admitted.job().jobId())) {
						cancelled.add(admitted.job().jobId());
					}
				}
				if (!cancelled.isEmpty()) {
					throw StopRender.cancelled(cancelled, step);
				}
			}
			boolean stop = this.resumable ? this.stopping : JobProcessor.this.drain.deadlinePassed();
			if (step < totalSteps && stop) {
				throw StopRender.drained(step);
			}
			this.lastStep = step;
		}

	}

	/**
	 * A job cleared to render.
	 *
	 * @param message its message
	 * @param job the job
	 * @param model the model that renders it
	 * @param checkpoint the checkpoint it resumes from, or {@code null}
	 */
	private record Admitted(HeldMessage message, JobMessage job, ServedModel model,
			@Nullable RenderCheckpoint checkpoint, @Nullable InitImage initImage) {

		int attempt() {
			return this.message.attempt();
		}

		Admitted withoutCheckpoint() {
			return new Admitted(this.message, this.job, this.model, null, this.initImage);
		}

		RenderRequest request() {
			return new RenderRequest(this.job.prompt(), this.job.negativePrompt(), this.job.width(), this.job.height(),
					this.job.steps(), this.job.guidanceScale(), this.job.seed(), this.job.numImages(), this.job.scheduler(),
					this.initImage, this.job.clipSkip());
		}

		boolean fitsWith(List<Admitted> group) {
			Admitted first = group.get(0);
			int images = group.stream().mapToInt((member) -> member.job().numImages()).sum();
			return first.checkpoint() == null && first.model() == this.model && first.job().width() == this.job.width()
					&& first.job().height() == this.job.height() && first.job().steps() == this.job.steps()
					&& Objects.equals(first.job().scheduler(), this.job.scheduler())
					&& Objects.equals(first.job().strength(), this.job.strength())
					&& images + this.job.numImages() <= this.model.limits().maxBatch();
		}

	}

}
