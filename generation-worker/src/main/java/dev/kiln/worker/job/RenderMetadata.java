package dev.kiln.worker.job;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.kiln.contract.JobMessage;

/**
 * The {@code metadata.json} written beside a job's images.
 *
 * @param request the job message as received
 * @param seed the seed used (image {@code i} used {@code seed + i})
 * @param model the model id
 * @param device the device it rendered on
 * @param workerId the worker that rendered it
 * @param attempt the delivery attempt that rendered it
 * @param queuedAt when the gateway accepted the job
 * @param startedAt when this attempt started
 * @param finishedAt when rendering finished
 * @param renderSeconds seconds spent in the model
 * @param resumedFromStep the step this attempt resumed from (a checkpoint of an earlier attempt), 0 when it started
 * afresh
 * @param batchSize jobs rendered together with this one in one forward pass, itself included
 * @param traceId the W3C trace id of the job (of its message's trace context; a new trace when it carried none), to
 * find its spans; {@code null} when tracing is off
 */
record RenderMetadata(JobMessage request, long seed, String model, String device, String workerId, int attempt,
		Instant queuedAt, Instant startedAt, Instant finishedAt, double renderSeconds, int resumedFromStep,
		int batchSize, @Nullable String traceId) {
}
