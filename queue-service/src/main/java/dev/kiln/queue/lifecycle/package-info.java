/**
 * The job state machine: worker events folded atomically and idempotently into the job record in Redis.
 */
@NullMarked
package dev.kiln.queue.lifecycle;

import org.jspecify.annotations.NullMarked;
