/**
 * Scaling: queue depth sampled every poll interval, turned into a desired worker count, exposed to KEDA and
 * Prometheus.
 */
@NullMarked
package dev.kiln.advisor.scaling;

import org.jspecify.annotations.NullMarked;
