package dev.kiln.gateway.job;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.model.ModelCatalog;

/**
 * Reads a job's record into the {@link JobView} the API shows: its request, what has happened to it, fresh presigned
 * links to its images and preview, and, while it is queued, its live position and ETA.
 */
class JobViews {

	private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {
	};

	private static final TypeReference<Map<String, @Nullable Object>> OBJECT_MAP = new TypeReference<>() {
	};

	private final JobRepository repository;

	private final ImageLinks links;

	private final ModelCatalog models;

	private final JsonMapper json;

	private final GatewayApiProperties api;

	JobViews(JobRepository repository, ImageLinks links, ModelCatalog models, JsonMapper json,
			GatewayApiProperties api) {
		this.repository = repository;
		this.links = links;
		this.models = models;
		this.json = json;
		this.api = api;
	}

	/**
	 * The view of a recorded job.
	 * @param jobId the job
	 * @param record its record
	 * @return the view
	 */
	JobView view(String jobId, Map<String, String> record) {
		JobMessage request = this.json.readValue(record.get(JobFields.REQUEST), JobMessage.class);
		JobState state = JobState.valueOf(record.get(JobFields.STATE));
		List<JobView.ImageLink> images = new ArrayList<>();
		List<String> keys = imageKeys(record);
		for (int i = 0; i < keys.size(); i++) {
			images.add(this.links.link(i, keys.get(i)));
		}
		JobView.Progress progress = (state == JobState.QUEUED) ? null
				: new JobView.Progress(intField(record, JobFields.STEP), intField(record, JobFields.TOTAL_STEPS));
		String errorType = record.get(JobFields.ERROR_TYPE);
		JobView.Error error = (errorType != null && !errorType.isEmpty())
				? new JobView.Error(errorType, record.get(JobFields.ERROR_DETAIL)) : null;
		String preview = record.get(JobFields.PREVIEW);
		JobView.Link previewLink = (state == JobState.RUNNING && preview != null && !preview.isEmpty())
				? this.links.link(preview) : null;
		String cost = record.get(JobFields.COST);
		String metadata = record.get(JobFields.METADATA);
		JobView.Status status = new JobView.Status(state, progress, intField(record, JobFields.ATTEMPT),
				instant(record, JobFields.STARTED_AT), instant(record, JobFields.FINISHED_AT),
				(state == JobState.QUEUED) ? queuePosition(jobId, request) : null, images, previewLink, error,
				(cost != null && !cost.isEmpty()) ? Double.valueOf(cost) : null,
				"true".equals(record.get(JobFields.CANCEL_REQUESTED)));
		JobView.Echo echo = new JobView.Echo(record.get(JobFields.CALLBACK_URL),
				(metadata != null) ? this.json.readValue(metadata, OBJECT_MAP) : null, record.get(JobFields.TRACE_ID));
		return JobView.of(jobId, request, status, echo);
	}

	/**
	 * The storage keys of a job's images: none unless it succeeded.
	 * @param record the job's record
	 * @return the keys, in image order
	 */
	List<String> imageKeys(Map<String, String> record) {
		if (!JobState.SUCCEEDED.name().equals(record.get(JobFields.STATE)) || record.get(JobFields.OUTPUTS) == null) {
			return List.of();
		}
		return this.json.readValue(record.get(JobFields.OUTPUTS), STRING_LIST)
			.stream()
			.filter((key) -> key.endsWith(".png"))
			.toList();
	}

	private JobView.@Nullable QueuePosition queuePosition(String jobId, JobMessage request) {
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
			eta += this.api.estimates().coldStart().toMillis() / 1000.0;
			reason = "measured-cold-start";
		}
		return new JobView.QueuePosition(position, Math.round(eta * 10) / 10.0, reason, live, mean);
	}

	private static int intField(Map<String, String> record, String field) {
		String value = record.get(field);
		return (value != null && !value.isEmpty()) ? Integer.parseInt(value) : 0;
	}

	private static @Nullable Instant instant(Map<String, String> record, String field) {
		String value = record.get(field);
		return (value != null && !value.isEmpty()) ? Instant.parse(value) : null;
	}

}
