package dev.kiln.advisor.scaling;

import java.time.Instant;
import java.util.List;

/**
 * The advisor's latest view: what the queues held and how many workers that needs.
 *
 * @param desiredWorkers workers needed now
 * @param active whether any work is waiting or running, i.e. whether to scale up from zero
 * @param lanes depth of each lane
 * @param sampledAt when the queues were read
 */
public record ScalingDecision(int desiredWorkers, boolean active, List<LaneDepth> lanes, Instant sampledAt) {
}
