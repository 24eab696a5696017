package dev.kiln.gateway.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.jobstore.JobRecord;

/**
 * Reads a job's record into the {@link JobView} the API shows: its request, what has happened to it, fresh presigned
 * links to its images and preview, and, while it is queued, its live position and ETA ({@link QueueEstimates}).
 */
@Component
@RequiredArgsConstructor
class JobViews {

	private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {
	};

	private static final TypeReference<Map<String, @Nullable Object>> OBJECT_MAP = new TypeReference<>() {
	};

	private final ImageLinks links;

	private final QueueEstimates estimates;

	private final JsonMapper json;

	/**
	 * The view of a recorded job.
	 * @param record its record
	 * @return the view
	 * @throws IllegalStateException when the record has no request or no state this gateway knows
	 */
	JobView view(JobRecord record) {
		String requestJson = record.request();
		JobState state = record.state();
		if (requestJson == null || state == null) {
			throw new IllegalStateException("The record of job " + record.jobId() + " has no request or no state "
					+ "this gateway knows");
		}
		JobMessage request = this.json.readValue(requestJson, JobMessage.class);
		List<JobView.ImageLink> images = new ArrayList<>();
		List<String> keys = imageKeys(record);
		for (int i = 0; i < keys.size(); i++) {
			images.add(this.links.link(i, keys.get(i)));
		}
		JobView.Progress progress = (state == JobState.QUEUED) ? null
				: new JobView.Progress(record.step(), record.totalSteps());
		String errorType = record.errorType();
		JobView.Error error = (errorType != null && !errorType.isEmpty())
				? new JobView.Error(errorType, record.errorDetail()) : null;
		String preview = record.preview();
		JobView.Link previewLink = (state == JobState.RUNNING && preview != null && !preview.isEmpty())
				? this.links.link(preview) : null;
		JobView.Status status = new JobView.Status(state, progress, record.attempt(), record.startedAt(),
				record.finishedAt(), (state == JobState.QUEUED) ? this.estimates.position(record.jobId(), request) : null,
				images, previewLink, error, record.cost(), record.cancelRequested());
		String metadata = record.metadata();
		JobView.Echo echo = new JobView.Echo(record.callbackUrl(),
				(metadata != null) ? this.json.readValue(metadata, OBJECT_MAP) : null,
				record.others().get(JobFields.TRACE_ID));
		return JobView.of(record.jobId(), request, status, echo);
	}

	/**
	 * A fresh presigned link to one of a job's images.
	 * @param record the job's record
	 * @param index the image number, from 0
	 * @return the link
	 * @throws ImageNotFoundException when the job has no such image (yet)
	 */
	JobView.ImageLink image(JobRecord record, int index) {
		List<String> images = imageKeys(record);
		if (index < 0 || index >= images.size()) {
			throw new ImageNotFoundException(record.jobId(), images.size(),
					(record.state() != null) ? record.state().name() : null);
		}
		return this.links.link(index, images.get(index));
	}

	/** The storage keys of a job's images, in image order: none unless it succeeded. */
	private List<String> imageKeys(JobRecord record) {
		String outputs = record.outputs();
		if (record.state() != JobState.SUCCEEDED || outputs == null) {
			return List.of();
		}
		return this.json.readValue(outputs, STRING_LIST).stream().filter((key) -> key.endsWith(".png")).toList();
	}

}
