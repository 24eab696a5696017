/**
 * Lanes at run time: their dead-letter queues (jobs found there are marked {@code FAILED}), redrive, and the lane
 * figures behind the admin API and the gauges.
 */
@NullMarked
package dev.kiln.queue.lane;

import org.jspecify.annotations.NullMarked;
