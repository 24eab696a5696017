package dev.kiln.advisor.policy;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.kiln.contract.Lane;

/**
 * Everything a policy knows about one lane.
 *
 * @param lane the lane
 * @param visible messages waiting in the lane's queue
 * @param inFlight messages received by a worker and not yet finished
 * @param delayed messages not yet visible
 * @param waiting waiting jobs in submission order (the order workers take them), possibly only the oldest ones
 * @param waitingNotListed waiting jobs beyond {@code waiting}; assumed to share the last listed job's deadline
 * @param current replicas the lane runs or has asked for now
 * @param ready replicas of {@code current} that are up and taking work (not still starting)
 * @param renderSeconds measured mean render seconds of one job in this lane
 * @param lastWorkAt when the lane last had work in hand (waiting or in flight), {@code null} if never
 * @param lastBatchAt when the lane last scaled out from zero, {@code null} if never
 * @param notYetCounted jobs just recorded as waiting that the queue's message counts do not show yet: SQS's counts
 * are approximate and lag a send, and a decision woken by a job's arrival runs before the job's message is even sent.
 * Without them the first job into an idle lane would wait for the next poll after SQS counts it. 0 where the counts
 * are exact (the simulator)
 */
public record LaneState(Lane lane, long visible, long inFlight, long delayed, List<QueuedJob> waiting,
		long waitingNotListed, Replicas current, int ready, double renderSeconds, @Nullable Instant lastWorkAt,
		@Nullable Instant lastBatchAt, long notYetCounted) {

	public LaneState {
		waiting = List.copyOf(waiting);
		if (notYetCounted < 0) {
			throw new IllegalArgumentException("notYetCounted must be >= 0");
		}
	}

	/** A lane whose queue counts are exact. */
	public LaneState(Lane lane, long visible, long inFlight, long delayed, List<QueuedJob> waiting,
			long waitingNotListed, Replicas current, int ready, double renderSeconds, @Nullable Instant lastWorkAt,
			@Nullable Instant lastBatchAt) {
		this(lane, visible, inFlight, delayed, waiting, waitingNotListed, current, ready, renderSeconds, lastWorkAt,
				lastBatchAt, 0);
	}

	/**
	 * Jobs a worker is needed for now or soon: waiting plus in flight, plus those recorded that the queue's counts do
	 * not show yet.
	 */
	public long backlog() {
		return this.visible + this.inFlight + this.notYetCounted;
	}

	/** Whether the lane has any work in hand. */
	public boolean hasWork() {
		return backlog() > 0;
	}

	/** An idle lane: no messages, no replicas, no history. */
	public static LaneState idle(Lane lane, double renderSeconds) {
		return new LaneState(lane, 0, 0, 0, List.of(), 0, Replicas.NONE, 0, renderSeconds, null, null);
	}

}
