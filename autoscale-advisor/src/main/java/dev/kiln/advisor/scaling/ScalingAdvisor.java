package dev.kiln.advisor.scaling;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.advisor.policy.Capacity;
import dev.kiln.advisor.policy.Decision;
import dev.kiln.advisor.policy.LaneState;
import dev.kiln.advisor.policy.Prices;
import dev.kiln.advisor.policy.Replicas;
import dev.kiln.advisor.policy.ScalingPolicy;
import dev.kiln.advisor.policy.Snapshot;
import dev.kiln.advisor.policy.Spend;
import dev.kiln.advisor.price.PriceProvider;
import dev.kiln.contract.Lane;
import dev.kiln.contract.WorkerHeartbeat;

/**
 * Reads the inputs every poll interval ({@link Inputs}: SQS depth, lane indexes, measured render times, heartbeats),
 * runs the selected policy and keeps the latest decision. When the inputs cannot be read it never answers zero: the last decision is
 * held for {@code staleness}, {@code kiln_advisor_inputs_stale} turns 1, and after {@code staleness} it stops
 * answering so that KEDA's {@code fallback} takes over.
 */
@Component
public class ScalingAdvisor {

	private static final Logger logger = LoggerFactory.getLogger(ScalingAdvisor.class);

	/** How long after its submission a job the queue's counts do not show yet still counts as work. */
	static final Duration UNCOUNTED_WINDOW = Duration.ofSeconds(60);

	private final Inputs inputs;

	private final AdvisorProperties properties;

	private final ScalingPolicy policy;

	private final PriceProvider prices;

	private final Clock clock;

	private final ColdStartEstimator coldStart;

	private final SpendMeter spendMeter = new SpendMeter();

	private final Map<Lane, Instant> lastWorkAt = new EnumMap<>(Lane.class);

	private final Map<Lane, Instant> lastBatchAt = new EnumMap<>(Lane.class);

	private final List<Consumer<Decision>> listeners = new CopyOnWriteArrayList<>();

	private final Gauges gauges;

	private volatile @Nullable Current current;

	private volatile @Nullable Instant lastSuccess;

	ScalingAdvisor(Inputs inputs, PriceProvider prices, AdvisorProperties properties, Clock clock,
			MeterRegistry meters) {
		this.inputs = inputs;
		this.prices = prices;
		this.properties = properties;
		this.policy = this.properties.scalingPolicy();
		this.clock = clock;
		this.coldStart = new ColdStartEstimator(this.properties.coldStart());
		this.gauges = new Gauges(meters);
	}

	/** One round of the poll interval ({@link ScalingSchedule}). */
	void poll() {
		refresh();
	}

	/**
	 * Decides now: reads every input and runs the policy. The poll and the arrivals of jobs ({@link ArrivalWake})
	 * both call it; one decision runs at a time.
	 */
	synchronized void refresh() {
		Instant now = this.clock.instant();
		try {
			Inputs.Reading reading = this.inputs.read();
			List<WorkerHeartbeat> live = reading.live();
			this.coldStart.workersSeen(live.stream().map(WorkerHeartbeat::workerId).toList(), now);
			Current previous = this.current;
			Snapshot snapshot = snapshot(now, reading, previous);
			Decision decision = this.policy.decide(snapshot);
			record(now, snapshot, decision, previous);
			ScalingDecision view = view(now, snapshot, decision, reading.depths(), live);
			this.current = new Current(decision, snapshot, view);
			this.lastSuccess = now;
			this.gauges.update(view, decision, snapshot, false);
			this.listeners.forEach((listener) -> listener.accept(decision));
		}
		catch (RuntimeException ex) {
			this.gauges.stale.set(1);
			logger.warn("Could not read the advisor's inputs; holding the last decision: {}", ex.getMessage());
		}
	}

	/** The latest decision while fresh enough, {@code null} before the first one or once stale. */
	public @Nullable Decision decision() {
		Current now = fresh();
		return (now != null) ? now.decision : null;
	}

	/** The latest decision as JSON while fresh enough, {@code null} before the first one or once stale. */
	@Nullable ScalingDecision latest() {
		Current now = fresh();
		return (now != null) ? now.view : null;
	}

	/**
	 * Dollars per hour of one replica of the lane now: the lane's spot/on-demand mix in the latest decision at the
	 * current prices, on-demand when the lane has no replicas, the lane is unknown or there is no fresh decision.
	 */
	public double replicaPricePerHour(@Nullable Lane lane) {
		Prices now = this.prices.prices(this.clock.instant());
		Decision decision = decision();
		if (decision == null || lane == null) {
			return now.onDemandPerHour();
		}
		Replicas replicas = decision.lane(lane);
		return (replicas.total() > 0) ? replicas.dollarsPerHour(now) / replicas.total() : now.onDemandPerHour();
	}

	/** Calls {@code listener} with every new decision. */
	public void onDecision(Consumer<Decision> listener) {
		this.listeners.add(listener);
	}

	/** Stops calling {@code listener}. */
	public void removeListener(Consumer<Decision> listener) {
		this.listeners.remove(listener);
	}

	private @Nullable Current fresh() {
		Instant success = this.lastSuccess;
		if (success == null
				|| Duration.between(success, this.clock.instant()).compareTo(this.properties.staleness()) > 0) {
			return null;
		}
		return this.current;
	}

	private Snapshot snapshot(Instant now, Inputs.Reading reading, @Nullable Current previous) {
		Map<Lane, LaneState> lanes = new EnumMap<>(Lane.class);
		int unassigned = reading.live().size();
		for (LaneDepth depth : reading.depths()) {
			Lane lane = depth.lane();
			JobIndexReader.LaneJobs waiting = reading.waiting().get(lane);
			Replicas current = (previous != null) ? previous.decision.lane(lane) : Replicas.NONE;
			int ready = Math.min(current.total(), unassigned);
			unassigned -= ready;
			long notYetCounted = notYetCounted(now, depth, waiting);
			if (depth.backlog() + notYetCounted > 0) {
				this.lastWorkAt.put(lane, now);
			}
			lanes.put(lane, new LaneState(lane, depth.visible(), depth.inFlight(), depth.delayed(), waiting.listed(),
					waiting.notListed(), current, ready, waiting.renderSeconds(), this.lastWorkAt.get(lane),
					this.lastBatchAt.get(lane), notYetCounted));
		}
		Prices priced = this.prices.prices(now);
		double rate = (previous != null) ? previous.decision.replicas()
			.values()
			.stream()
			.mapToDouble((replicas) -> replicas.dollarsPerHour(priced))
			.sum() : 0;
		Spend spend = this.spendMeter.observe(now, rate, this.properties.budget().dailyLimit(),
				this.properties.budget().monthlyLimit());
		return new Snapshot(now, lanes, this.coldStart.estimate(), priced, spend);
	}

	/**
	 * Jobs the lane index holds as waiting beyond every message SQS counts, of those recorded within
	 * {@link #UNCOUNTED_WINDOW}: SQS's approximate counts lag a send (and a decision woken by an arrival runs before
	 * the send). Only recent jobs count, so that an index entry whose message is gone for good cannot hold a replica.
	 */
	private static long notYetCounted(Instant now, LaneDepth depth, JobIndexReader.LaneJobs waiting) {
		long beyond = waiting.listed().size() + waiting.notListed() - depth.visible() - depth.delayed()
				- depth.inFlight();
		if (beyond <= 0) {
			return 0;
		}
		Instant since = now.minus(UNCOUNTED_WINDOW);
		long recent = waiting.listed().stream().filter((job) -> job.submittedAt().isAfter(since)).count();
		return Math.min(beyond, recent);
	}

	private void record(Instant now, Snapshot snapshot, Decision decision, @Nullable Current previous) {
		for (Lane lane : Lane.values()) {
			int before = snapshot.lane(lane).current().total();
			int after = decision.lane(lane).total();
			if (after > before) {
				this.coldStart.scaledUp(now, after - before);
				if (before == 0) {
					this.lastBatchAt.put(lane, now);
				}
			}
		}
		if (previous == null || previous.decision.total() != decision.total()) {
			logger.info("{}: {} replicas ({})", decision.policy(), decision.total(), decision.reason());
		}
	}

	private ScalingDecision view(Instant now, Snapshot snapshot, Decision decision, List<LaneDepth> depths,
			List<WorkerHeartbeat> live) {
		Map<String, ScalingDecision.LaneView> lanes = new LinkedHashMap<>();
		for (LaneDepth depth : depths) {
			LaneState state = snapshot.lane(depth.lane());
			Replicas replicas = decision.lane(depth.lane());
			lanes.put(depth.lane().wireName(),
					new ScalingDecision.LaneView(depth.visible(), depth.inFlight(), depth.delayed(),
							state.waiting().size() + state.waitingNotListed(), state.renderSeconds(), replicas.spot(),
							replicas.onDemand(), replicas.total()));
		}
		Spend spend = snapshot.spend();
		double rate = decision.replicas()
			.values()
			.stream()
			.mapToDouble((replicas) -> replicas.dollarsPerHour(snapshot.prices()))
			.sum();
		ScalingDecision.SpendView spendView = new ScalingDecision.SpendView(rate, spend.today(), spend.month(),
				Double.isInfinite(spend.dailyBudget()) ? null : spend.dailyBudget(),
				Double.isInfinite(spend.monthlyBudget()) ? null : spend.monthlyBudget());
		int busy = (int) live.stream().filter(WorkerHeartbeat::busy).count();
		return new ScalingDecision(decision.policy(), decision.total(), decision.active(), decision.prewarm(),
				decision.spendCapped(), decision.reason(), lanes, spendView,
				snapshot.coldStart().toMillis() / 1000.0, this.coldStart.samples(), live.size(), busy, now);
	}

	private record Current(Decision decision, Snapshot snapshot, ScalingDecision view) {
	}

	/** A double a gauge can read while the scheduler writes it. */
	private static final class DoubleValue {

		private final AtomicLong bits = new AtomicLong();

		double get() {
			return Double.longBitsToDouble(this.bits.get());
		}

		void set(double value) {
			this.bits.set(Double.doubleToLongBits(value));
		}

	}

	/** The advisor's Prometheus gauges. */
	private static final class Gauges {

		private final Map<Lane, Map<String, AtomicLong>> depth = new EnumMap<>(Lane.class);

		private final Map<Lane, Map<Capacity, AtomicLong>> desired = new EnumMap<>(Lane.class);

		private final Map<Lane, AtomicLong> queued = new EnumMap<>(Lane.class);

		private final AtomicLong total = new AtomicLong();

		private final AtomicLong prewarm = new AtomicLong();

		private final AtomicLong liveWorkers = new AtomicLong();

		private final AtomicLong busyWorkers = new AtomicLong();

		private final AtomicLong stale = new AtomicLong(1);

		private final AtomicLong capped = new AtomicLong();

		private final DoubleValue coldStart = new DoubleValue();

		private final DoubleValue spendRate = new DoubleValue();

		private final DoubleValue spendToday = new DoubleValue();

		private final DoubleValue spendMonth = new DoubleValue();

		Gauges(MeterRegistry meters) {
			for (Lane lane : Lane.values()) {
				Map<String, AtomicLong> states = new LinkedHashMap<>();
				for (String state : List.of("visible", "in_flight", "delayed")) {
					AtomicLong value = new AtomicLong();
					Gauge.builder("kiln.queue.messages", value, AtomicLong::get)
						.description("Messages in a lane's jobs queue")
						.tag("lane", lane.wireName())
						.tag("state", state)
						.register(meters);
					states.put(state, value);
				}
				this.depth.put(lane, states);
				Map<Capacity, AtomicLong> byCapacity = new EnumMap<>(Capacity.class);
				for (Capacity capacity : Capacity.values()) {
					AtomicLong value = new AtomicLong();
					Gauge.builder("kiln.advisor.desired.replicas", value, AtomicLong::get)
						.description("Worker replicas the advisor asks for, per lane and capacity type")
						.tag("lane", lane.wireName())
						.tag("capacity", capacity.wireName())
						.register(meters);
					byCapacity.put(capacity, value);
				}
				this.desired.put(lane, byCapacity);
				AtomicLong jobs = new AtomicLong();
				Gauge.builder("kiln.advisor.queued.jobs", jobs, AtomicLong::get)
					.description("Jobs in a lane's index")
					.tag("lane", lane.wireName())
					.register(meters);
				this.queued.put(lane, jobs);
			}
			Gauge.builder("kiln.desired.workers", this.total, AtomicLong::get)
				.description("GPU workers the advisor asks for, all lanes")
				.register(meters);
			Gauge.builder("kiln.advisor.prewarm.replicas", this.prewarm, AtomicLong::get)
				.description("Replicas of the low-priority placeholder that keeps GPU nodes ready")
				.register(meters);
			Gauge.builder("kiln.advisor.live.workers", this.liveWorkers, AtomicLong::get)
				.description("Workers with a live heartbeat")
				.register(meters);
			Gauge.builder("kiln.advisor.busy.workers", this.busyWorkers, AtomicLong::get)
				.description("Workers rendering now")
				.register(meters);
			Gauge.builder("kiln.advisor.inputs.stale", this.stale, AtomicLong::get)
				.description("1 when the advisor's last attempt to read its inputs failed")
				.register(meters);
			Gauge.builder("kiln.advisor.spend.capped", this.capped, AtomicLong::get)
				.description("1 when the spend cap holds scale-out back")
				.register(meters);
			Gauge.builder("kiln.advisor.cold.start", this.coldStart, DoubleValue::get)
				.description("Cold start the advisor assumes")
				.baseUnit("seconds")
				.register(meters);
			Gauge.builder("kiln.advisor.spend.rate", this.spendRate, DoubleValue::get)
				.description("Dollars per hour of the replicas asked for")
				.baseUnit("dollars.per.hour")
				.register(meters);
			Gauge.builder("kiln.advisor.spend.today", this.spendToday, DoubleValue::get)
				.description("Dollars spent since midnight UTC")
				.baseUnit("dollars")
				.register(meters);
			Gauge.builder("kiln.advisor.spend.month", this.spendMonth, DoubleValue::get)
				.description("Dollars spent since the first of the month UTC")
				.baseUnit("dollars")
				.register(meters);
		}

		void update(ScalingDecision view, Decision decision, Snapshot snapshot, boolean stale) {
			for (Lane lane : Lane.values()) {
				LaneState state = snapshot.lane(lane);
				Map<String, AtomicLong> states = this.depth.get(lane);
				states.get("visible").set(state.visible());
				states.get("in_flight").set(state.inFlight());
				states.get("delayed").set(state.delayed());
				for (Capacity capacity : Capacity.values()) {
					this.desired.get(lane).get(capacity).set(decision.lane(lane).of(capacity));
				}
				this.queued.get(lane).set(state.waiting().size() + state.waitingNotListed());
			}
			this.total.set(decision.total());
			this.prewarm.set(decision.prewarm());
			this.liveWorkers.set(view.liveWorkers());
			this.busyWorkers.set(view.busyWorkers());
			this.stale.set(stale ? 1 : 0);
			this.capped.set(decision.spendCapped() ? 1 : 0);
			this.coldStart.set(view.coldStartSeconds());
			this.spendRate.set(view.spend().ratePerHour());
			this.spendToday.set(view.spend().today());
			this.spendMonth.set(view.spend().month());
		}

	}

}
