package dev.kiln.gateway.job;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.gateway.GatewayProperties;

/** Accepts jobs and reads them back. */
@Service
class JobService {

	private static final Logger logger = LoggerFactory.getLogger(JobService.class);

	private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {
	};

	private final JobRepository repository;

	private final JobPublisher publisher;

	private final ImageLinks links;

	private final JsonMapper json;

	private final Clock clock;

	private final GatewayProperties.Jobs defaults;

	JobService(JobRepository repository, JobPublisher publisher, ImageLinks links, JsonMapper json, Clock clock,
			GatewayProperties properties) {
		this.repository = repository;
		this.publisher = publisher;
		this.links = links;
		this.json = json;
		this.clock = clock;
		this.defaults = properties.jobs();
	}

	/**
	 * Records the job as {@code QUEUED}, then enqueues it. If the queue refuses it, the record is withdrawn so that
	 * no job exists that no worker will ever see.
	 * @param request a validated request
	 * @return the accepted job
	 * @throws QueueUnavailableException when the job could not be enqueued
	 */
	JobView submit(SubmitJobRequest request) {
		Instant now = this.clock.instant();
		JobMessage message = new JobMessage(JobMessage.SCHEMA_VERSION, JobIds.next(this.clock),
				this.defaults.defaultTenant(), Objects.requireNonNullElse(request.model(), this.defaults.defaultModel()),
				request.prompt(), request.negativePrompt(), request.width(), request.height(),
				Objects.requireNonNullElse(request.steps(), SubmitJobRequest.DEFAULT_STEPS),
				Objects.requireNonNullElse(request.guidanceScale(), SubmitJobRequest.DEFAULT_GUIDANCE_SCALE),
				(request.seed() != null) ? request.seed() : ThreadLocalRandom.current().nextLong(1L << 32),
				Objects.requireNonNullElse(request.numImages(), 1), Objects.requireNonNullElse(request.lane(), Lane.STANDARD),
				now, (request.deadline() != null) ? request.deadline().toInstant() : null);
		String body = this.json.writeValueAsString(message);
		if (!this.repository.create(message, body)) {
			throw new IllegalStateException("Job id " + message.jobId() + " exists already");
		}
		try {
			this.publisher.publish(message, body);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not enqueue job {}; withdrawing it", message.jobId(), ex);
			this.repository.withdraw(message);
			throw new QueueUnavailableException("The job queue is not available right now; nothing was recorded", ex);
		}
		return view(message.jobId(), this.repository.find(message.jobId()));
	}

	/**
	 * The job with that id.
	 * @param jobId the id
	 * @return the job
	 * @throws JobNotFoundException when there is no such job
	 */
	JobView find(String jobId) {
		if (!JobIds.isValid(jobId)) {
			throw new JobNotFoundException(jobId);
		}
		Map<String, String> record = this.repository.find(jobId);
		if (record.isEmpty()) {
			throw new JobNotFoundException(jobId);
		}
		return view(jobId, record);
	}

	private JobView view(String jobId, Map<String, String> record) {
		JobMessage request = this.json.readValue(record.get(JobFields.REQUEST), JobMessage.class);
		JobState state = JobState.valueOf(record.get(JobFields.STATE));
		List<JobView.ImageLink> images = new ArrayList<>();
		if (state == JobState.SUCCEEDED && record.get(JobFields.OUTPUTS) != null) {
			int index = 0;
			for (String key : this.json.readValue(record.get(JobFields.OUTPUTS), STRING_LIST)) {
				if (key.endsWith(".png")) {
					images.add(this.links.link(index++, key));
				}
			}
		}
		int step = intField(record, JobFields.STEP);
		int total = intField(record, JobFields.TOTAL_STEPS);
		JobView.Progress progress = (state == JobState.QUEUED) ? null : new JobView.Progress(step, total);
		String errorType = record.get(JobFields.ERROR_TYPE);
		JobView.Error error = (errorType != null) ? new JobView.Error(errorType, record.get(JobFields.ERROR_DETAIL))
				: null;
		return new JobView(jobId, state, request.lane(), request.model(), request.prompt(), request.width(),
				request.height(), request.steps(), request.seed(), request.numImages(), progress,
				intField(record, JobFields.ATTEMPT), request.submittedAt(), instant(record, JobFields.STARTED_AT),
				instant(record, JobFields.FINISHED_AT), images, error);
	}

	private static int intField(Map<String, String> record, String field) {
		String value = record.get(field);
		return (value != null) ? Integer.parseInt(value) : 0;
	}

	private static @Nullable Instant instant(Map<String, String> record, String field) {
		String value = record.get(field);
		return (value != null) ? Instant.parse(value) : null;
	}

}
