package dev.kiln.advisor.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.kiln.contract.Lane;

/**
 * Kiln's own rule: scale the interactive lane from zero at once, hold other lanes at zero while every waiting job
 * can still meet its deadline if workers start later, then start the fewest replicas that meet every deadline, on
 * spot unless the deadlines would not survive a spot interruption (a replacement's cold start plus one job again). The precise rule is in the module README.
 *
 * <p>A job at position {@code p} (in-flight jobs first, then waiting jobs in submission order, the order workers take
 * them) served by {@code n} replicas starting at {@code t} finishes at {@code t + start + ceil(p / n) * render},
 * where {@code start} is zero when {@code n} replicas are already ready and the cold start otherwise. A plan meets a
 * deadline when that is no later than {@code deadline - margin} (or, for a deadline too close to keep the margin,
 * the deadline itself). Jobs that cannot meet their deadline even first in line on a fresh replica started now
 * are <em>lost</em>: they still take their place in line but do not constrain
 * the plan; they add a floor of {@code ceil(lost / targetBacklogPerWorker)} replicas, and a lane with lost jobs gets
 * on-demand capacity.
 *
 * @param maxReplicas most replicas per lane
 * @param planReplicas replicas a held lane is planned to start with; a lane is held while these, started one
 * {@code lookahead} later, still meet every deadline (with room for a spot interruption when spot is allowed)
 * @param targetBacklogPerWorker jobs per replica on the interactive lane and for lost jobs
 * @param margin safety margin before each deadline
 * @param lookahead time until the next decision
 * @param cooldown how long a lane with nothing in hand keeps its replicas
 * @param interactiveKeepWarm how long the interactive lane keeps one replica after its last work: a cold start is
 * longer than an interactive deadline, so a cold interactive lane misses every deadline
 * @param prewarmLead how long before a held lane must start the placeholder asks for nodes
 * @param spot whether spot capacity may be used
 */
public record DeadlinePolicy(int maxReplicas, int planReplicas, int targetBacklogPerWorker, Duration margin,
		Duration lookahead, Duration cooldown, Duration interactiveKeepWarm, Duration prewarmLead, boolean spot)
		implements ScalingPolicy {

	/** The policy's name. */
	public static final String NAME = "deadline";

	public DeadlinePolicy {
		if (maxReplicas < 1 || planReplicas < 1 || planReplicas > maxReplicas || targetBacklogPerWorker < 1) {
			throw new IllegalArgumentException("Need 1 <= plan-replicas <= max-replicas and target >= 1; got max="
					+ maxReplicas + ", plan=" + planReplicas + ", target=" + targetBacklogPerWorker);
		}
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Decision decide(Snapshot snapshot) {
		Map<Lane, Replicas> replicas = new EnumMap<>(Lane.class);
		int prewarm = 0;
		StringBuilder reason = new StringBuilder();
		for (LaneState lane : snapshot.lanes().values()) {
			Replicas current = lane.current();
			if (!lane.hasWork()) {
				if (current.total() > 0 && Rules.coolingDown(lane, snapshot.now(), this.cooldown)) {
					replicas.put(lane.lane(), current);
				}
				else if (lane.lane() == Lane.INTERACTIVE && current.total() > 0
						&& Rules.coolingDown(lane, snapshot.now(), this.interactiveKeepWarm)) {
					replicas.put(lane.lane(), split(current, 1, Capacity.ON_DEMAND));
				}
				else {
					replicas.put(lane.lane(), Replicas.NONE);
				}
				continue;
			}
			Plan plan = new Plan(lane, snapshot);
			if (lane.lane() != Lane.INTERACTIVE && current.total() == 0) {
				Instant later = snapshot.now().plus(this.lookahead);
				Duration holdReserve = this.spot ? plan.interruptionCost() : Duration.ZERO;
				if (plan.lost == 0 && plan.slack(this.planReplicas, later).compareTo(holdReserve) >= 0) {
					replicas.put(lane.lane(), Replicas.NONE);
					if (plan.slack(this.planReplicas, later.plus(this.prewarmLead)).compareTo(holdReserve) < 0) {
						prewarm += this.planReplicas;
					}
					reason.append(lane.lane().wireName()).append(": held; ");
					continue;
				}
			}
			Duration reserve = this.spot ? plan.interruptionCost() : Duration.ZERO;
			int needed = plan.fewest(snapshot.now(), reserve);
			// late jobs are not put at further risk: any lost job means on-demand
			boolean survives = this.spot && plan.lost == 0
					&& plan.slack(needed, snapshot.now()).compareTo(reserve) >= 0;
			if (!survives) {
				needed = plan.fewest(snapshot.now(), Duration.ZERO);
			}
			int floor = Rules.ceilDiv(plan.lost, this.targetBacklogPerWorker);
			if (lane.lane() == Lane.INTERACTIVE) {
				floor = Math.max(floor, Rules.ceilDiv(lane.backlog(), this.targetBacklogPerWorker));
			}
			if (current.total() > lane.ready()) {
				floor = Math.max(floor, current.total());
			}
			int n = Rules.clamp(Math.max(needed, floor), 1, this.maxReplicas);
			survives = survives && plan.slack(n, snapshot.now()).compareTo(reserve) >= 0;
			replicas.put(lane.lane(), split(current, n, survives ? Capacity.SPOT : Capacity.ON_DEMAND));
			reason.append(lane.lane().wireName())
				.append(": ")
				.append(n)
				.append(survives ? " spot" : " on-demand")
				.append(plan.lost > 0 ? " (" + plan.lost + " lost)" : "")
				.append("; ");
		}
		return new Decision(NAME, replicas, prewarm, false,
				reason.isEmpty() ? "nothing in hand" : reason.toString().trim());
	}

	/** Keeps running replicas (the preferred type first) and adds the rest as {@code preferred}. */
	static Replicas split(Replicas current, int n, Capacity preferred) {
		Capacity other = (preferred == Capacity.SPOT) ? Capacity.ON_DEMAND : Capacity.SPOT;
		int keepPreferred = Math.min(current.of(preferred), n);
		int keepOther = Math.min(current.of(other), n - keepPreferred);
		int preferredTotal = n - keepOther;
		return (preferred == Capacity.SPOT) ? new Replicas(preferredTotal, keepOther)
				: new Replicas(keepOther, preferredTotal);
	}

	/** Whether and how a lane's work meets its deadlines. */
	private final class Plan {

		private final LaneState lane;

		private final Duration coldStart;

		private final long renderMillis;

		/** Constraining jobs: position in line and latest finish (millis). */
		private final long[] positions;

		private final long[] latestFinish;

		private final int lost;

		Plan(LaneState lane, Snapshot snapshot) {
			this.lane = lane;
			this.coldStart = snapshot.coldStart();
			this.renderMillis = Math.max(1, Math.round(lane.renderSeconds() * 1000));
			List<QueuedJob> waiting = lane.waiting();
			boolean tail = lane.waitingNotListed() > 0 && !waiting.isEmpty();
			int size = waiting.size() + (tail ? 1 : 0);
			long[] positions = new long[size];
			long[] latest = new long[size];
			long earliestPossible = snapshot.now().plus((lane.ready() > 0) ? Duration.ZERO : this.coldStart).toEpochMilli()
					+ this.renderMillis;
			long margin = DeadlinePolicy.this.margin.toMillis();
			int kept = 0;
			int lost = 0;
			long position = lane.inFlight();
			for (QueuedJob job : waiting) {
				position++;
				long deadline = job.deadline().toEpochMilli();
				if (deadline < earliestPossible) {
					lost++;
					continue;
				}
				positions[kept] = position;
				latest[kept++] = (deadline - margin >= earliestPossible) ? deadline - margin : deadline;
			}
			if (tail) {
				long deadline = waiting.get(waiting.size() - 1).deadline().toEpochMilli();
				if (deadline < earliestPossible) {
					lost = (int) Math.min(Integer.MAX_VALUE, lost + lane.waitingNotListed());
				}
				else {
					positions[kept] = position + lane.waitingNotListed();
					latest[kept++] = (deadline - margin >= earliestPossible) ? deadline - margin : deadline;
				}
			}
			this.positions = Arrays.copyOf(positions, kept);
			this.latestFinish = Arrays.copyOf(latest, kept);
			this.lost = lost;
		}

		/**
		 * Earliest slack over the constraining jobs with {@code n} replicas from {@code start}: the better of the
		 * ready replicas working now and all {@code n} working after a cold start (monotone in {@code n}).
		 */
		Duration slack(int n, Instant start) {
			long slack = slack(n, start.toEpochMilli() + this.coldStart.toMillis());
			int ready = Math.min(n, this.lane.ready());
			if (ready > 0) {
				slack = Math.max(slack, slack(ready, start.toEpochMilli()));
			}
			return (slack == Long.MAX_VALUE) ? Duration.ofDays(365) : Duration.ofMillis(slack);
		}

		private long slack(int n, long begin) {
			long slack = Long.MAX_VALUE;
			for (int i = 0; i < this.positions.length; i++) {
				long finish = begin + ((this.positions[i] + n - 1) / n) * this.renderMillis;
				slack = Math.min(slack, this.latestFinish[i] - finish);
			}
			return slack;
		}

		boolean meets(int n, Instant start, Duration reserve) {
			return slack(n, start).compareTo(reserve) >= 0;
		}

		/**
		 * The fewest replicas in {@code [1, max]} leaving at least {@code reserve} before every constraining
		 * deadline, or {@code max} when none does.
		 */
		int fewest(Instant start, Duration reserve) {
			int max = DeadlinePolicy.this.maxReplicas;
			if (!meets(max, start, reserve)) {
				return max;
			}
			int low = 1;
			int high = max;
			while (low < high) {
				int mid = (low + high) >>> 1;
				if (meets(mid, start, reserve)) {
					high = mid;
				}
				else {
					low = mid + 1;
				}
			}
			return low;
		}

		/** What a spot interruption costs a deadline: a replacement's cold start plus one job rendered again. */
		Duration interruptionCost() {
			return this.coldStart.plusMillis(this.renderMillis);
		}

	}

}
