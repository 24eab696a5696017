package dev.kiln.gateway.job;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobMessage;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.model.ModelCatalog;

/**
 * A queued job's live place in its lane and its ETA: {@code position × meanRenderSeconds / max(1, live workers serving
 * the model)}, plus {@code kiln.gateway.estimates.cold-start} when no worker is live (Kiln scales to zero);
 * {@code meanRenderSeconds} is the queue service's measurement.
 */
@Component
@RequiredArgsConstructor
class QueueEstimates {

	private final JobRepository repository;

	private final ModelCatalog models;

	private final GatewayApiProperties properties;

	/**
	 * Where a queued job is now and when it is expected to be done.
	 * @param jobId the job
	 * @param request its request
	 * @return its position and estimate, or {@code null} when it is not in its lane's queued index (any more)
	 */
	JobView.@Nullable QueuePosition position(String jobId, JobMessage request) {
		Long rank = this.repository.rank(request.lane(), jobId);
		if (rank == null) {
			return null;
		}
		int position = (int) (rank + 1);
		int live = (int) this.models.liveWorkers()
			.stream()
			.filter((worker) -> worker.models().stream().anyMatch((model) -> model.id().equals(request.model())))
			.count();
		Double mean = this.repository.meanRenderSeconds(request.model());
		if (mean == null) {
			return new JobView.QueuePosition(position, null, "no-measurements", live, null);
		}
		double eta = position * mean / Math.max(1, live);
		String reason = "measured";
		if (live == 0) {
			eta += this.properties.estimates().coldStart().toMillis() / 1000.0;
			reason = "measured-cold-start";
		}
		return new JobView.QueuePosition(position, Math.round(eta * 10) / 10.0, reason, live, mean);
	}

}
