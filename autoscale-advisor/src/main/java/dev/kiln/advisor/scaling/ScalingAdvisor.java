package dev.kiln.advisor.scaling;

import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.contract.Lane;

/**
 * Samples the queues every poll interval and keeps the latest decision. Exposes
 * {@code kiln_queue_messages{lane,state}} and {@code kiln_desired_workers}. When the queues cannot be read, the last
 * decision is kept rather than answering zero.
 */
@Component
class ScalingAdvisor {

	private static final Logger logger = LoggerFactory.getLogger(ScalingAdvisor.class);

	private final QueueSampler sampler;

	private final QueueLengthPolicy policy;

	private final Clock clock;

	private final Map<Lane, Map<String, AtomicLong>> depthGauges = new EnumMap<>(Lane.class);

	private final AtomicLong desiredGauge = new AtomicLong();

	private volatile @Nullable ScalingDecision latest;

	ScalingAdvisor(QueueSampler sampler, AdvisorProperties properties, Clock clock, MeterRegistry meters) {
		this.sampler = sampler;
		AdvisorProperties.Advisor advisor = properties.advisor();
		this.policy = new QueueLengthPolicy(advisor.targetBacklogPerWorker(), advisor.minWorkers(),
				advisor.maxWorkers());
		this.clock = clock;
		for (Lane lane : Lane.values()) {
			Map<String, AtomicLong> states = new java.util.LinkedHashMap<>();
			for (String state : List.of("visible", "in_flight", "delayed")) {
				AtomicLong value = new AtomicLong();
				Gauge.builder("kiln.queue.messages", value, AtomicLong::get)
					.description("Messages in a lane's jobs queue")
					.tag("lane", lane.wireName())
					.tag("state", state)
					.register(meters);
				states.put(state, value);
			}
			this.depthGauges.put(lane, states);
		}
		Gauge.builder("kiln.desired.workers", this.desiredGauge, AtomicLong::get)
			.description("GPU workers the advisor asks for")
			.register(meters);
	}

	@Scheduled(fixedDelayString = "${kiln.advisor.poll-interval:1s}")
	void refresh() {
		try {
			List<LaneDepth> lanes = this.sampler.sample();
			int desired = this.policy.desiredWorkers(lanes);
			boolean active = lanes.stream().anyMatch((lane) -> lane.backlog() + lane.delayed() > 0);
			for (LaneDepth lane : lanes) {
				Map<String, AtomicLong> states = this.depthGauges.get(lane.lane());
				states.get("visible").set(lane.visible());
				states.get("in_flight").set(lane.inFlight());
				states.get("delayed").set(lane.delayed());
			}
			this.desiredGauge.set(desired);
			this.latest = new ScalingDecision(desired, active, lanes, this.clock.instant());
		}
		catch (RuntimeException ex) {
			logger.warn("Could not read queue depths; keeping the last decision: {}", ex.getMessage());
		}
	}

	/** The latest decision, or {@code null} before the first successful sample. */
	@Nullable ScalingDecision latest() {
		return this.latest;
	}

}
