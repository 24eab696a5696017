package dev.kiln.queue.lane;

/**
 * What a redrive did.
 *
 * @param lane the lane's wire name
 * @param moved messages moved back to the lane's queue (their jobs are {@code QUEUED} again)
 * @param discarded messages deleted without moving them, because their job had succeeded or been cancelled meanwhile
 * or its record has expired
 */
public record RedriveResult(String lane, int moved, int discarded) {
}
