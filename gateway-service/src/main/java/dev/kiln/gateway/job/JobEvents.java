package dev.kiln.gateway.job;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobState;
import dev.kiln.contract.RedisKeys;
import dev.kiln.gateway.GatewayApiProperties;

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

	private final StringRedisTemplate redis;

	private final ImageLinks links;

	private final Duration timeout;

	private final Duration keepAlive;

	private final Duration block;

	JobEvents(StringRedisTemplate redis, ImageLinks links, GatewayApiProperties properties,
			@Value("${spring.data.redis.timeout:60s}") Duration commandTimeout) {
		this.redis = redis;
		this.links = links;
		this.timeout = properties.events().timeout();
		this.keepAlive = properties.events().keepAlive();
		this.block = blockFor(this.keepAlive, commandTimeout);
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
		SseEmitter emitter = new SseEmitter(this.timeout.toMillis());
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
				StreamReadOptions options = StreamReadOptions.empty().count(100);
				if (!terminalSeen) {
					options = options.block(this.block);
				}
				List<MapRecord<String, Object, Object>> records = this.redis.opsForStream()
					.read(options, StreamOffset.create(RedisKeys.jobEvents(jobId), ReadOffset.from(offset)));
				if ((records == null || records.isEmpty()) && !terminalSeen
						&& System.nanoTime() - quietSince < this.keepAlive.toNanos()) {
					continue;
				}
				quietSince = System.nanoTime();
				if (records == null || records.isEmpty()) {
					Map<String, String> record = this.redis.<String, String>opsForHash().entries(RedisKeys.job(jobId));
					String state = record.get(JobFields.STATE);
					if (state == null) {
						emitter.complete();
						return;
					}
					if (JobState.valueOf(state).isTerminal()) {
						if (terminalSeen) {
							// the stream's terminal entry is gone (trimmed or expired): say how the job ended
							emitter.send(SseEmitter.event().name("state").data(data(jobId, record), MediaType.APPLICATION_JSON));
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
					String state = fields.get("state");
					if ("state".equals(kind) && state != null && isTerminal(state)) {
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

	private Map<String, Object> data(String jobId, Map<String, String> fields) {
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("jobId", jobId);
		data.put("state", fields.get("state"));
		data.put("step", parse(fields.get("step")));
		data.put("totalSteps", parse(fields.get("totalSteps")));
		String preview = fields.get("preview");
		if (preview != null && !preview.isEmpty()) {
			data.put("preview", this.links.link(preview));
		}
		String errorType = fields.get("errorType");
		if (errorType != null && !errorType.isEmpty()) {
			data.put("errorType", errorType);
		}
		String at = fields.getOrDefault("at",
				fields.getOrDefault(JobFields.UPDATED_AT, fields.get(JobFields.SUBMITTED_AT)));
		if (at != null) {
			data.put("at", at);
		}
		return data;
	}

	private static boolean isTerminal(String state) {
		try {
			return JobState.valueOf(state).isTerminal();
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	private static int parse(@Nullable String value) {
		try {
			return (value != null) ? Integer.parseInt(value) : 0;
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

}
