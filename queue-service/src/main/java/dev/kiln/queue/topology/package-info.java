/**
 * Queue topology: one jobs queue and dead-letter queue per lane, the events queue, and the bucket.
 */
@NullMarked
package dev.kiln.queue.topology;

import org.jspecify.annotations.NullMarked;
