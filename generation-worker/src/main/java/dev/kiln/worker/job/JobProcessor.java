package dev.kiln.worker.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobMessage;
import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.model.ModelRegistry;
import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;

/**
 * Runs one job: {@code STARTED}, render, outputs to S3, {@code SUCCEEDED}. Says whether the message may be deleted:
 * only once the outputs are written and the final event is on the events queue, or when the job can never succeed
 * and its {@code FAILED} event is sent.
 */
@Component
class JobProcessor {

	private static final Logger logger = LoggerFactory.getLogger(JobProcessor.class);

	private final ModelRegistry models;

	private final EventPublisher events;

	private final OutputStore outputs;

	private final Clock clock;

	private final MeterRegistry meters;

	private final String workerId;

	private final Duration progressInterval;

	JobProcessor(ModelRegistry models, EventPublisher events, OutputStore outputs, Clock clock, MeterRegistry meters,
			WorkerProperties properties) {
		this.models = models;
		this.events = events;
		this.outputs = outputs;
		this.clock = clock;
		this.meters = meters;
		this.workerId = properties.worker().id();
		this.progressInterval = properties.worker().progressInterval();
	}

	/** This worker's id. */
	String workerId() {
		return this.workerId;
	}

	/**
	 * Processes a job.
	 * @param job the job
	 * @param attempt the delivery attempt, from 1
	 * @return {@code true} when the message is done with and may be deleted
	 * @throws RuntimeException on a transient fault; the message must be left for redelivery
	 */
	boolean process(JobMessage job, int attempt) {
		Instant started = this.clock.instant();
		this.events.publish(JobEvent.started(job.jobId(), job.steps(), attempt, this.workerId, started));
		try {
			ServedModel model = this.models.find(job.model())
				.orElseThrow(() -> new PermanentJobFailure("unknown-model",
						"This worker does not serve model '" + job.model() + "'; it serves " + this.models.ids()));
			String refusal = model.refusal(job.width(), job.height(), job.steps(), job.numImages());
			if (refusal != null) {
				throw new PermanentJobFailure("invalid-request", refusal);
			}
			RenderedImages images = render(model, job, attempt);
			Instant finished = this.clock.instant();
			RenderMetadata metadata = new RenderMetadata(job, job.seed(), model.id(), images.device(), this.workerId,
					attempt, job.submittedAt(), started, finished, images.renderTime().toNanos() / 1e9);
			List<String> keys = this.outputs.write(job, images.pngs(), metadata);
			this.events.publish(JobEvent.succeeded(job.jobId(), job.steps(), keys, attempt, this.workerId, finished,
					metadata.renderSeconds()));
			outcome(model.id(), "succeeded");
			logger.info("Job {} rendered {} image(s) {}x{} in {} ms on {}", job.jobId(), images.pngs().size(),
					job.width(), job.height(), images.renderTime().toMillis(), images.device());
			return true;
		}
		catch (PermanentJobFailure ex) {
			logger.warn("Job {} failed for good: {}", job.jobId(), ex.getMessage());
			this.events.publish(JobEvent.failed(job.jobId(), ex.errorType(), ex.getMessage(), attempt, this.workerId,
					this.clock.instant()));
			outcome(job.model(), "failed");
			return true;
		}
		catch (RuntimeException ex) {
			outcome(job.model(), "retried");
			throw ex;
		}
	}

	private RenderedImages render(ServedModel model, JobMessage job, int attempt) {
		RenderRequest request = new RenderRequest(job.prompt(), job.negativePrompt(), job.width(), job.height(),
				job.steps(), job.guidanceScale(), job.seed(), job.numImages());
		long[] lastProgress = { System.nanoTime() };
		RenderedImages images = model.generator().render(request, (step, total) -> {
			long now = System.nanoTime();
			if (step < total && now - lastProgress[0] >= this.progressInterval.toNanos()) {
				lastProgress[0] = now;
				this.events.publish(JobEvent.progress(job.jobId(), step, total, attempt, this.workerId,
						this.clock.instant()));
			}
		});
		Timer.builder("kiln.worker.render")
			.description("Time spent rendering one job in the model")
			.tag("model", model.id())
			.tag("device", images.device())
			.publishPercentileHistogram()
			.register(this.meters)
			.record(images.renderTime());
		return images;
	}

	private void outcome(String model, String outcome) {
		Counter.builder("kiln.worker.jobs")
			.description("Jobs handled by outcome")
			.tag("model", model)
			.tag("outcome", outcome)
			.register(this.meters)
			.increment();
	}

}
