package dev.kiln.worker.job;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import lombok.RequiredArgsConstructor;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobMessage;
import dev.kiln.worker.WorkerProperties;

/**
 * The events this worker sends about its jobs, each stamped with the worker's id and, unless the caller says when,
 * the time now; sent by {@link EventPublisher} with the trace context of the span in scope.
 */
@Component
@RequiredArgsConstructor
class WorkerEvents {

	private final EventPublisher publisher;

	private final Clock clock;

	private final WorkerProperties properties;

	/** The time now, by the clock every event is stamped with. */
	Instant now() {
		return this.clock.instant();
	}

	/** Starts sending {@code STARTED}; completes once SQS has it. */
	CompletableFuture<?> startedAsync(JobMessage job, int attempt, Instant at) {
		return this.publisher
			.publishAsync(JobEvent.started(job.jobId(), job.steps(), attempt, this.properties.id(), at));
	}

	/** Sends {@code PROGRESS} of a step. */
	void progress(JobMessage job, int attempt, int step, int totalSteps, Instant at) {
		this.publisher.publish(JobEvent.progress(job.jobId(), step, totalSteps, attempt, this.properties.id(), at));
	}

	/** Sends {@code PROGRESS} with the key of the preview of a step. */
	void preview(JobMessage job, int attempt, int step, String key) {
		this.publisher.publish(new JobEvent(JobEvent.SCHEMA_VERSION, job.jobId(), JobEventType.PROGRESS, step,
				job.steps(), List.of(key), null, null, attempt, this.properties.id(), now(), null));
	}

	/** Sends {@code SUCCEEDED} with the keys of the outputs. */
	void succeeded(JobMessage job, int attempt, List<String> keys, Instant at, double renderSeconds) {
		this.publisher.publish(
				JobEvent.succeeded(job.jobId(), job.steps(), keys, attempt, this.properties.id(), at, renderSeconds));
	}

	/** Sends {@code CANCELLED}. */
	void cancelled(JobMessage job, int attempt) {
		this.publisher.publish(JobEvent.cancelled(job.jobId(), attempt, this.properties.id(), now()));
	}

	/** Sends {@code FAILED}: the job can never succeed. */
	void failed(JobMessage job, int attempt, String errorType, String detail) {
		this.publisher.publish(JobEvent.failed(job.jobId(), errorType, detail, attempt, this.properties.id(), now()));
	}

	/** Sends {@code RELEASED}: the attempt ends unfinished at that step and the job comes back. */
	void released(JobMessage job, int attempt, int step, String reason, String detail) {
		this.publisher.publish(JobEvent.released(job.jobId(), step, job.steps(), reason, detail, attempt,
				this.properties.id(), now()));
	}

}
