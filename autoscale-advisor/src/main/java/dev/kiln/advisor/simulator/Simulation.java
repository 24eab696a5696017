package dev.kiln.advisor.simulator;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.advisor.policy.Capacity;
import dev.kiln.advisor.policy.Decision;
import dev.kiln.advisor.policy.LaneState;
import dev.kiln.advisor.policy.Prices;
import dev.kiln.advisor.policy.QueuedJob;
import dev.kiln.advisor.policy.Replicas;
import dev.kiln.advisor.policy.Snapshot;
import dev.kiln.advisor.policy.Spend;
import dev.kiln.contract.Lane;

/**
 * A discrete-event run of one policy over one trace. Single-threaded and seeded: the same inputs and seed give the
 * same result. Times are milliseconds after the trace start.
 */
public final class Simulation {

	private final Trace trace;

	private final ClusterModel model;

	private final PolicyRun run;

	private final Settings settings;

	private final Map<Lane, SplittableRandom> coldStarts = new EnumMap<>(Lane.class);

	private final SplittableRandom interruptions;

	private final PriorityQueue<Event> events = new PriorityQueue<>(
			Comparator.comparingLong(Event::at).thenComparingLong(Event::sequence));

	private final Map<Lane, Deque<Job>> waiting = new EnumMap<>(Lane.class);

	private final Map<Lane, List<Replica>> replicas = new EnumMap<>(Lane.class);

	private final Map<Lane, Long> lastWorkAt = new EnumMap<>(Lane.class);

	private final Map<Lane, Long> lastBatchAt = new EnumMap<>(Lane.class);

	private final Map<Lane, Integer> lastDesired = new EnumMap<>(Lane.class);

	private final Map<Lane, Double> renderSeconds = new EnumMap<>(Lane.class);

	private final List<Job> jobs = new ArrayList<>();

	private final List<SimulationResult.Sample> series = new ArrayList<>();

	private long sequence;

	private long now;

	private int unfinished;

	private int arrivalsLeft;

	private boolean pushPending;

	private double cost;

	private double gpuMillis;

	private double spotMillis;

	private double busyMillis;

	private int scaleEvents;

	private int interrupted;

	private double spentToday;

	private double spentMonth;

	private long lastAccountedAt;

	/**
	 * Prepares a run.
	 * @param trace the jobs
	 * @param model the cluster's physics
	 * @param run the policy and how it is driven
	 * @param settings what the simulated advisor is configured with beside its policy
	 * @param seed random seed of cold starts and spot interruptions
	 */
	public Simulation(Trace trace, ClusterModel model, PolicyRun run, Settings settings, long seed) {
		this.trace = trace;
		this.model = model;
		this.run = run;
		this.settings = settings;
		// a cold-start stream per lane and one for interruptions: every policy sees the same sequence of cold starts
		// on a lane (common random numbers), so differences between policies are not noise
		for (Lane lane : Lane.values()) {
			this.coldStarts.put(lane, new SplittableRandom(seed * 31 + lane.ordinal()));
		}
		this.interruptions = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
		for (Lane lane : Lane.values()) {
			this.waiting.put(lane, new ArrayDeque<>());
			this.replicas.put(lane, new ArrayList<>());
			this.lastDesired.put(lane, 0);
			this.renderSeconds.put(lane, trace.jobs()
				.stream()
				.filter((job) -> job.lane() == lane)
				.mapToDouble(TraceJob::renderSeconds)
				.average()
				.orElse(1.0));
		}
	}

	/** Runs the simulation to the end of the trace and until all work is done (or the horizon). */
	public SimulationResult run() {
		for (TraceJob traceJob : this.trace.jobs()) {
			long at = Math.round(traceJob.atSeconds() * 1000);
			long deadline = at + ((traceJob.deadlineSeconds() > 0) ? Math.round(traceJob.deadlineSeconds() * 1000)
					: this.settings.defaultDeadline().apply(traceJob.lane()).toMillis());
			Job job = new Job(traceJob.lane(), at, deadline, Math.max(1, Math.round(traceJob.renderSeconds() * 1000)));
			this.jobs.add(job);
			schedule(at, Kind.ARRIVAL, job, null);
		}
		this.unfinished = this.jobs.size();
		this.arrivalsLeft = this.jobs.size();
		schedule(0, Kind.DECIDE, null, null);
		schedule(0, Kind.SAMPLE, null, null);
		long horizon = Math.round(this.trace.lengthSeconds() * 1000) + this.model.horizonAfterTrace().toMillis();
		while (!this.events.isEmpty()) {
			Event event = this.events.poll();
			if (event.at() > horizon) {
				break;
			}
			this.now = event.at();
			if (handle(event)) {
				break;
			}
		}
		for (Lane lane : Lane.values()) {
			for (Replica replica : List.copyOf(this.replicas.get(lane))) {
				terminate(replica);
			}
		}
		int queued = this.waiting.values().stream().mapToInt(Deque::size).sum();
		this.series.add(new SimulationResult.Sample(this.now / 3_600_000.0, queued, 0));
		return result();
	}

	/** Handles an event; {@code true} when the run is over. */
	private boolean handle(Event event) {
		switch (event.kind()) {
			case ARRIVAL -> {
				Job job = Objects.requireNonNull(event.job());
				this.waiting.get(job.lane).addLast(job);
				this.arrivalsLeft--;
				this.lastWorkAt.put(job.lane, this.now);
				dispatch(job.lane);
				if (this.run.pushActivation() && !this.pushPending && alive(job.lane).isEmpty()) {
					this.pushPending = true;
					schedule(this.now + 1000, Kind.PUSH, null, null);
				}
			}
			case DECIDE -> {
				decide();
				if (this.arrivalsLeft == 0 && this.unfinished == 0 && paidReplicas() == 0) {
					return true;
				}
				schedule(this.now + this.run.decisionInterval().toMillis(), Kind.DECIDE, null, null);
			}
			case PUSH -> {
				this.pushPending = false;
				decide();
			}
			case READY -> {
				Replica replica = Objects.requireNonNull(event.replica());
				if (!replica.terminated) {
					replica.starting = false;
					dispatch(replica.lane);
				}
			}
			case DONE -> {
				Replica replica = Objects.requireNonNull(event.replica());
				Job job = Objects.requireNonNull(event.job());
				if (!replica.terminated && replica.job == job) {
					job.finishedAt = this.now;
					this.unfinished--;
					this.busyMillis += job.renderMillis;
					replica.job = null;
					this.lastWorkAt.put(replica.lane, this.now);
					if (replica.draining) {
						terminate(replica);
					}
					dispatch(replica.lane);
				}
			}
			case NOTICE -> {
				Replica replica = Objects.requireNonNull(event.replica());
				if (!replica.terminated) {
					replica.doomed = true;
					schedule(this.now + this.model.spotNotice().toMillis(), Kind.KILL, null, replica);
				}
			}
			case KILL -> {
				Replica replica = Objects.requireNonNull(event.replica());
				if (!replica.terminated) {
					this.interrupted++;
					if (replica.job != null) {
						this.waiting.get(replica.lane).addFirst(replica.job);
						replica.job = null;
					}
					terminate(replica);
					dispatch(replica.lane);
				}
			}
			case SAMPLE -> {
				int queued = this.waiting.values().stream().mapToInt(Deque::size).sum();
				this.series.add(new SimulationResult.Sample(this.now / 3_600_000.0, queued, paidReplicas()));
				schedule(this.now + this.model.sampleEvery().toMillis(), Kind.SAMPLE, null, null);
			}
		}
		return false;
	}

	private void decide() {
		account();
		Instant instant = this.trace.start().plusMillis(this.now);
		Map<Lane, LaneState> lanes = new EnumMap<>(Lane.class);
		for (Lane lane : Lane.values()) {
			Deque<Job> queue = this.waiting.get(lane);
			long inFlight = this.replicas.get(lane).stream().filter((replica) -> replica.job != null).count();
			if (!queue.isEmpty() || inFlight > 0) {
				this.lastWorkAt.put(lane, this.now);
			}
			List<QueuedJob> listed = new ArrayList<>(Math.min(queue.size(), this.settings.maxListedJobs()));
			Iterator<Job> iterator = queue.iterator();
			while (iterator.hasNext() && listed.size() < this.settings.maxListedJobs()) {
				Job job = iterator.next();
				listed.add(new QueuedJob(this.trace.start().plusMillis(job.submittedAt),
						this.trace.start().plusMillis(job.deadline)));
			}
			List<Replica> alive = alive(lane);
			int spot = (int) alive.stream().filter((replica) -> replica.capacity == Capacity.SPOT).count();
			int ready = (int) alive.stream().filter((replica) -> !replica.starting).count();
			lanes.put(lane, new LaneState(lane, queue.size(), inFlight, 0, listed, queue.size() - listed.size(),
					new Replicas(spot, alive.size() - spot), ready, this.renderSeconds.get(lane), at(this.lastWorkAt.get(lane)),
					at(this.lastBatchAt.get(lane))));
		}
		Prices prices = new Prices(this.model.onDemandPerHour(), this.model.spotPerHour(instant));
		Spend spend = new Spend(this.spentToday, this.spentMonth, this.settings.budget().dailyBudget(),
				this.settings.budget().monthlyBudget());
		Snapshot snapshot = new Snapshot(instant, lanes, this.model.coldStartMedian(), prices, spend);
		apply(this.run.policy().decide(snapshot), prices);
	}

	private void apply(Decision decision, Prices prices) {
		for (Lane lane : Lane.values()) {
			Replicas desired = decision.lane(lane);
			int before = this.lastDesired.get(lane);
			if (desired.total() != before) {
				this.scaleEvents++;
				if (before == 0 && alive(lane).isEmpty()) {
					this.lastBatchAt.put(lane, this.now);
				}
				this.lastDesired.put(lane, desired.total());
			}
			for (Capacity capacity : Capacity.values()) {
				List<Replica> alive = new ArrayList<>(
						alive(lane).stream().filter((replica) -> replica.capacity == capacity).toList());
				int want = desired.of(capacity);
				for (int i = alive.size(); i < want; i++) {
					launch(lane, capacity, prices.perHour(capacity));
				}
				if (alive.size() > want) {
					// scale in: starting replicas first (newest first), then idle, then busy ones drain
					alive.sort(Comparator.comparingInt((Replica replica) -> replica.starting ? 0 : (replica.job == null) ? 1 : 2)
						.thenComparing(Comparator.comparingLong((Replica replica) -> replica.launchedAt).reversed()));
					for (Replica replica : alive.subList(0, alive.size() - want)) {
						if (replica.job == null) {
							terminate(replica);
						}
						else {
							replica.draining = true;
						}
					}
				}
			}
			dispatch(lane);
		}
	}

	private void launch(Lane lane, Capacity capacity, double pricePerHour) {
		Replica replica = new Replica(lane, capacity, this.now, pricePerHour);
		this.replicas.get(lane).add(replica);
		double median = this.model.coldStartMedian().toMillis();
		long coldStart = Math.max(this.model.coldStartMin().toMillis(),
				Math.round(median * Math.exp(this.model.coldStartSigma() * TraceGenerator.gaussian(this.coldStarts.get(lane)))));
		schedule(this.now + coldStart, Kind.READY, null, replica);
		if (capacity == Capacity.SPOT && this.model.spotInterruptionsPerHour() > 0) {
			double hours = TraceGenerator.exponential(this.interruptions, this.model.spotInterruptionsPerHour());
			schedule(this.now + Math.round(hours * 3_600_000), Kind.NOTICE, null, replica);
		}
	}

	private void terminate(Replica replica) {
		if (replica.terminated) {
			return;
		}
		replica.terminated = true;
		this.replicas.get(replica.lane).remove(replica);
		long millis = this.now - replica.launchedAt;
		this.gpuMillis += millis;
		if (replica.capacity == Capacity.SPOT) {
			this.spotMillis += millis;
		}
		this.cost += millis / 3_600_000.0 * replica.pricePerHour;
	}

	/** Gives waiting jobs to ready, idle replicas that are staying. */
	private void dispatch(Lane lane) {
		Deque<Job> queue = this.waiting.get(lane);
		for (Replica replica : this.replicas.get(lane)) {
			if (queue.isEmpty()) {
				return;
			}
			if (replica.starting || replica.job != null || replica.draining || replica.doomed) {
				continue;
			}
			Job job = queue.pollFirst();
			if (job.startedAt < 0) {
				job.startedAt = this.now;
			}
			replica.job = job;
			schedule(this.now + job.renderMillis, Kind.DONE, job, replica);
		}
	}

	/** Spend since the last decision, reset at midnight and on the first of the month (UTC). */
	private void account() {
		Instant last = this.trace.start().plusMillis(this.lastAccountedAt);
		Instant current = this.trace.start().plusMillis(this.now);
		double rate = 0;
		for (List<Replica> lane : this.replicas.values()) {
			for (Replica replica : lane) {
				rate += replica.pricePerHour;
			}
		}
		double spent = rate * (this.now - this.lastAccountedAt) / 3_600_000.0;
		if (!last.atZone(ZoneOffset.UTC).toLocalDate().equals(current.atZone(ZoneOffset.UTC).toLocalDate())) {
			this.spentToday = 0;
			if (last.atZone(ZoneOffset.UTC).getMonthValue() != current.atZone(ZoneOffset.UTC).getMonthValue()) {
				this.spentMonth = 0;
			}
		}
		this.spentToday += spent;
		this.spentMonth += spent;
		this.lastAccountedAt = this.now;
	}

	/** Replicas paid for and staying: not terminated, not draining, not reclaimed. */
	private List<Replica> alive(Lane lane) {
		return this.replicas.get(lane).stream().filter((replica) -> !replica.draining && !replica.doomed).toList();
	}

	private int paidReplicas() {
		return this.replicas.values().stream().mapToInt(List::size).sum();
	}

	private @Nullable Instant at(@Nullable Long millis) {
		return (millis != null) ? this.trace.start().plusMillis(millis) : null;
	}

	private void schedule(long at, Kind kind, @Nullable Job job, @Nullable Replica replica) {
		this.events.add(new Event(at, this.sequence++, kind, job, replica));
	}

	private SimulationResult result() {
		Map<Lane, List<Double>> waits = new EnumMap<>(Lane.class);
		Map<Lane, Integer> misses = new EnumMap<>(Lane.class);
		for (Lane lane : Lane.values()) {
			waits.put(lane, new ArrayList<>());
			misses.put(lane, 0);
		}
		for (Job job : this.jobs) {
			if (job.startedAt >= 0) {
				waits.get(job.lane).add((job.startedAt - job.submittedAt) / 1000.0);
			}
			if (job.finishedAt < 0 || job.finishedAt > job.deadline) {
				misses.merge(job.lane, 1, Integer::sum);
			}
		}
		waits.replaceAll((lane, list) -> {
			Collections.sort(list);
			return List.copyOf(list);
		});
		double idle = Math.max(0, this.gpuMillis - this.busyMillis);
		return new SimulationResult(this.run.policy().name(), this.trace.name(), this.jobs.size(), this.cost,
				this.gpuMillis / 3_600_000.0, this.spotMillis / 3_600_000.0, idle / 3_600_000.0, waits, misses,
				this.scaleEvents, this.interrupted, List.copyOf(this.series));
	}

	private enum Kind {

		ARRIVAL, DECIDE, PUSH, READY, DONE, NOTICE, KILL, SAMPLE

	}

	private record Event(long at, long sequence, Kind kind, @Nullable Job job, @Nullable Replica replica) {
	}

	private static final class Job {

		final Lane lane;

		final long submittedAt;

		final long deadline;

		final long renderMillis;

		long startedAt = -1;

		long finishedAt = -1;

		Job(Lane lane, long submittedAt, long deadline, long renderMillis) {
			this.lane = lane;
			this.submittedAt = submittedAt;
			this.deadline = deadline;
			this.renderMillis = renderMillis;
		}

	}

	private static final class Replica {

		final Lane lane;

		final Capacity capacity;

		final long launchedAt;

		final double pricePerHour;

		boolean starting = true;

		boolean draining;

		boolean doomed;

		boolean terminated;

		@Nullable Job job;

		Replica(Lane lane, Capacity capacity, long launchedAt, double pricePerHour) {
			this.lane = lane;
			this.capacity = capacity;
			this.launchedAt = launchedAt;
			this.pricePerHour = pricePerHour;
		}

	}

	/**
	 * What the simulated advisor is configured with beside its policy, the same for every policy of a comparison.
	 *
	 * @param defaultDeadline the default deadline per lane for jobs without one
	 * @param budget daily and monthly budgets (spent amounts are ignored)
	 * @param maxListedJobs waiting jobs listed per lane in a snapshot, as the live advisor reads them
	 */
	public record Settings(Function<Lane, Duration> defaultDeadline, Spend budget, int maxListedJobs) {

		/**
		 * The settings of a bound advisor configuration.
		 * @param advisor {@code kiln.advisor.*}
		 * @return its default deadlines, budgets and listed jobs
		 */
		public static Settings of(AdvisorProperties advisor) {
			return new Settings(advisor::defaultDeadline,
					new Spend(0, 0, advisor.budget().dailyLimit(), advisor.budget().monthlyLimit()),
					advisor.maxListedJobs());
		}

	}

}
