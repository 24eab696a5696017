package dev.kiln.gateway.job;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.kiln.contract.JobState;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.jobstore.JobRecord;

/**
 * Streams a job's event stream ({@code {kiln}:job:{id}:events}, written by the queue service's state machine) as
 * Server-Sent Events: one event per entry, named by its {@code kind} ({@code state} or {@code progress}), with the
 * entry id as event id so that {@code Last-Event-ID} resumes after it. Each stream is pumped by its own virtual
 * thread blocking in {@code XREAD}; it ends after a terminal {@code state} event.
 * <p>
 * One {@code XREAD} blocks for at most half of Redis' command timeout ({@code spring.data.redis.timeout}): Spring Data
 * waits for a blocking read no longer than for any other command, so a read blocking for the whole keep-alive (15 s)
 * failed with a command timeout after 2 s whenever a job was quiet that long. A keep-alive comment (and a look at the
 * job's record) follows once {@code kiln.gateway.events.keep-alive} has passed without an event.
 */
@Component
class JobEvents {

	private static final Logger logger = LoggerFactory.getLogger(JobEvents.class);

	private static final Pattern STREAM_ID = Pattern.compile("\\d{1,20}-\\d{1,20}");

	private final JobRepository repository;

	private final ImageLinks links;

	private final GatewayApiProperties.Events settings;

	private final Duration block;

	JobEvents(JobRepository repository, ImageLinks links, GatewayApiProperties properties,
			@Value("${spring.data.redis.timeout:60s}") Duration commandTimeout) {
		this.repository = repository;
		this.links = links;
		this.settings = properties.events();
		this.block = blockFor(this.settings.keepAlive(), commandTimeout);
	}

	/**
	 * How long one {@code XREAD} may block: the keep-alive, but at most half of the command timeout and at least 1 ms.
	 * @param keepAlive the keep-alive interval
	 * @param commandTimeout Redis' command timeout
	 * @return the block time
	 */
	static Duration blockFor(Duration keepAlive, Duration commandTimeout) {
		Duration half = commandTimeout.dividedBy(2);
		Duration block = (keepAlive.compareTo(half) < 0) ? keepAlive : half;
		return (block.toMillis() < 1) ? Duration.ofMillis(1) : block;
	}

	/**
	 * Starts streaming a job's events.
	 * @param jobId a job the caller may see
	 * @param lastEventId the last event the client received, or {@code null} to start from the beginning
	 * @return the emitter the pump writes to
	 */
	SseEmitter stream(String jobId, @Nullable String lastEventId) {
		SseEmitter emitter = new SseEmitter(this.settings.timeout().toMillis());
		AtomicBoolean open = new AtomicBoolean(true);
		emitter.onCompletion(() -> open.set(false));
		emitter.onTimeout(() -> open.set(false));
		emitter.onError((ex) -> open.set(false));
		String offset = (lastEventId != null && STREAM_ID.matcher(lastEventId.trim()).matches()) ? lastEventId.trim()
				: "0-0";
		Thread.ofVirtual().name("kiln-sse-" + jobId).start(() -> pump(jobId, offset, emitter, open));
		return emitter;
	}

	private void pump(String jobId, String from, SseEmitter emitter, AtomicBoolean open) {
		String offset = from;
		boolean terminalSeen = false;
		long quietSince = System.nanoTime();
		try {
			while (open.get()) {
				List<MapRecord<String, Object, Object>> records = this.repository.events(jobId, offset,
						terminalSeen ? null : this.block);
				if (records.isEmpty() && !terminalSeen
						&& System.nanoTime() - quietSince < this.settings.keepAlive().toNanos()) {
					continue;
				}
				quietSince = System.nanoTime();
				if (records.isEmpty()) {
					JobRecord record = this.repository.find(jobId);
					if (record == null || record.state() == null) {
						emitter.complete();
						return;
					}
					if (record.terminal()) {
						if (terminalSeen) {
							// the stream's terminal entry is gone (trimmed or expired): say how the job ended
							emitter.send(SseEmitter.event().name("state").data(data(record), MediaType.APPLICATION_JSON));
							emitter.complete();
							return;
						}
						terminalSeen = true;
						continue;
					}
					emitter.send(SseEmitter.event().comment("keep-alive"));
					continue;
				}
				for (MapRecord<String, Object, Object> entry : records) {
					offset = entry.getId().getValue();
					Map<String, String> fields = new LinkedHashMap<>();
					entry.getValue().forEach((key, value) -> fields.put(String.valueOf(key), String.valueOf(value)));
					String kind = fields.getOrDefault("kind", "state");
					emitter.send(SseEmitter.event()
						.id(offset)
						.name(kind)
						.data(data(jobId, fields), MediaType.APPLICATION_JSON));
					JobState state = JobRecord.state(fields.get("state"));
					if ("state".equals(kind) && state != null && state.isTerminal()) {
						emitter.complete();
						return;
					}
				}
			}
		}
		catch (IOException | IllegalStateException ex) {
			logger.debug("Event stream of job {} closed by the client", jobId);
		}
		catch (RuntimeException ex) {
			logger.warn("Event stream of job {} failed", jobId, ex);
			emitter.completeWithError(ex);
		}
	}

	/** The data of an entry of the event stream. */
	private Map<String, Object> data(String jobId, Map<String, String> entry) {
		return data(jobId, entry.get("state"), JobRecord.integer(entry.get("step")),
				JobRecord.integer(entry.get("totalSteps")), entry.get("preview"), entry.get("errorType"),
				entry.get("at"));
	}

	/** The data of a {@code state} event made from the job's record, when its stream no longer says how it ended. */
	private Map<String, Object> data(JobRecord record) {
		Instant at = (record.updatedAt() != null) ? record.updatedAt() : record.submittedAt();
		return data(record.jobId(), Objects.requireNonNull(record.state()).name(), record.step(), record.totalSteps(),
				record.preview(), record.errorType(), (at != null) ? at.toString() : null);
	}

	private Map<String, Object> data(String jobId, @Nullable String state, int step, int totalSteps,
			@Nullable String preview, @Nullable String errorType, @Nullable String at) {
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("jobId", jobId);
		data.put("state", state);
		data.put("step", step);
		data.put("totalSteps", totalSteps);
		if (preview != null && !preview.isEmpty()) {
			data.put("preview", this.links.link(preview));
		}
		if (errorType != null && !errorType.isEmpty()) {
			data.put("errorType", errorType);
		}
		if (at != null) {
			data.put("at", at);
		}
		return data;
	}

}
