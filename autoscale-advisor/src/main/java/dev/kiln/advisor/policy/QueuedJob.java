package dev.kiln.advisor.policy;

import java.time.Instant;

/**
 * A job waiting in a lane.
 *
 * @param submittedAt when it was accepted
 * @param deadline when it must be finished: its own deadline, or the lane's default deadline after submission
 */
public record QueuedJob(Instant submittedAt, Instant deadline) {
}
