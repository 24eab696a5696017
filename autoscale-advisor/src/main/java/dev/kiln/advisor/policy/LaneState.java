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
 */
public record LaneState(Lane lane, long visible, long inFlight, long delayed, List<QueuedJob> waiting,
		long waitingNotListed, Replicas current, int ready, double renderSeconds, @Nullable Instant lastWorkAt,
		@Nullable Instant lastBatchAt) {

	public LaneState {
		waiting = List.copyOf(waiting);
	}

	/** Jobs a worker is needed for now or soon: waiting plus in flight. */
	public long backlog() {
		return this.visible + this.inFlight;
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
