package dev.kiln.queue.lane;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.queue.PeriodicWork;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.support.queues.QueueUrls;

/**
 * Reads each lane's figures (SQS queue attributes, the lane index in Redis, the dead-letter sweep's oldest age) for
 * the admin API, and refreshes the lane gauges every {@code kiln.lanes.monitor-interval}:
 * {@code kiln_lane_messages{lane,kind=visible|in-flight|delayed}}, {@code kiln_lane_dead_letters{lane}},
 * {@code kiln_lane_dead_letters_oldest_age_seconds{lane}}, {@code kiln_jobs{state=waiting,lane}} (QUEUED or
 * RETRYING), {@code kiln_lane_oldest_waiting_age_seconds{lane}} and {@code kiln_jobs{state=running}}.
 */
@Component
class LaneMonitor implements PeriodicWork {

	private final SqsAsyncClient sqs;

	private final QueueUrls urls;

	private final StringRedisTemplate redis;

	private final DeadLetterQueues deadLetters;

	private final Clock clock;

	private final Duration interval;

	private final Map<Lane, LaneStatus> latest = new EnumMap<>(Lane.class);

	private volatile long running;

	LaneMonitor(SqsAsyncClient sqs, QueueUrls urls, StringRedisTemplate redis, DeadLetterQueues deadLetters,
			Clock clock, MeterRegistry meters, QueueServiceProperties properties) {
		this.sqs = sqs;
		this.urls = urls;
		this.redis = redis;
		this.deadLetters = deadLetters;
		this.clock = clock;
		this.interval = properties.lanes().monitorInterval();
		for (Lane lane : Lane.values()) {
			this.latest.put(lane, new LaneStatus(lane.wireName(), 0, 0, 0, 0, 0, null, null));
			gauge(meters, "kiln.lane.messages", "Messages in the lane's queue", lane, "kind", "visible",
					LaneStatus::visible);
			gauge(meters, "kiln.lane.messages", "Messages in the lane's queue", lane, "kind", "in-flight",
					LaneStatus::inFlight);
			gauge(meters, "kiln.lane.messages", "Messages in the lane's queue", lane, "kind", "delayed",
					LaneStatus::delayed);
			gauge(meters, "kiln.lane.dead.letters", "Messages in the lane's dead-letter queue", lane, null, null,
					LaneStatus::deadLetters);
			gauge(meters, "kiln.jobs", "Jobs by state", lane, "state", "waiting", LaneStatus::waiting);
			Gauge.builder("kiln.lane.oldest.waiting.age", this,
					(monitor) -> seconds(monitor.status(lane).oldestWaitingSeconds()))
				.description("Age of the lane's oldest QUEUED or RETRYING job")
				.baseUnit("seconds")
				.tag("lane", lane.wireName())
				.register(meters);
			Gauge.builder("kiln.lane.dead.letters.oldest.age", this,
					(monitor) -> seconds(monitor.status(lane).oldestDeadLetterSeconds()))
				.description("Age of the oldest message in the lane's dead-letter queue")
				.baseUnit("seconds")
				.tag("lane", lane.wireName())
				.register(meters);
		}
		Gauge.builder("kiln.jobs", this, (monitor) -> monitor.running)
			.description("Jobs by state")
			.tag("state", "running")
			.tag("lane", "any")
			.register(meters);
	}

	private void gauge(MeterRegistry meters, String name, String description, Lane lane, @Nullable String tag,
			@Nullable String value, ToDoubleFunction<LaneStatus> reader) {
		Gauge.Builder<LaneMonitor> builder = Gauge
			.builder(name, this, (monitor) -> reader.applyAsDouble(monitor.status(lane)))
			.description(description)
			.tag("lane", lane.wireName());
		if (tag != null && value != null) {
			builder.tag(tag, value);
		}
		builder.register(meters);
	}

	private static double seconds(@Nullable Long value) {
		return (value != null) ? value : 0;
	}

	@Override
	public Schedule schedule() {
		return Schedule.every("Reading the lane figures", this.interval).startingAtOnce();
	}

	@Override
	public void runRound() {
		statuses();
	}

	/** Fresh figures of every lane, in lane order; the gauges show them too. */
	List<LaneStatus> statuses() {
		List<LaneStatus> statuses = new ArrayList<>();
		for (Lane lane : Lane.values()) {
			LaneStatus status = read(lane);
			synchronized (this.latest) {
				this.latest.put(lane, status);
			}
			statuses.add(status);
		}
		Long count = this.redis.opsForZSet().zCard(RedisKeys.runningJobs());
		this.running = (count != null) ? count : 0;
		return statuses;
	}

	private LaneStatus status(Lane lane) {
		synchronized (this.latest) {
			return this.latest.get(lane);
		}
	}

	private LaneStatus read(Lane lane) {
		Map<QueueAttributeName, String> jobs = attributes(this.urls.jobs(lane).join());
		Map<QueueAttributeName, String> dead = attributes(this.urls.deadLetters(lane).join());
		Long waiting = this.redis.opsForZSet().zCard(RedisKeys.laneQueued(lane));
		Set<TypedTuple<String>> oldest = this.redis.opsForZSet().rangeWithScores(RedisKeys.laneQueued(lane), 0, 0);
		Long oldestWaiting = null;
		if (oldest != null && !oldest.isEmpty()) {
			Double score = oldest.iterator().next().getScore();
			if (score != null) {
				oldestWaiting = Math.max(0, (this.clock.millis() - score.longValue()) / 1000);
			}
		}
		Long oldestDead = this.deadLetters.oldestAge(lane).map(Duration::toSeconds).orElse(null);
		return new LaneStatus(lane.wireName(), count(jobs, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
				count(jobs, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
				count(jobs, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED),
				count(dead, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
						+ count(dead, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
				(waiting != null) ? waiting : 0, oldestWaiting, oldestDead);
	}

	private Map<QueueAttributeName, String> attributes(String url) {
		return this.sqs
			.getQueueAttributes((request) -> request.queueUrl(url)
				.attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
						QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
						QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
			.join()
			.attributes();
	}

	private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
		String value = attributes.get(name);
		return (value != null) ? Long.parseLong(value) : 0;
	}

}
