/**
 * Cost: the unit-cost model ($/image, $/1M images, monthly projection), the cost of a workload derived from its
 * images, render times, batching and boots, and the attribution of each finished job's cost to its tenant.
 */
@NullMarked
package dev.kiln.advisor.cost;

import org.jspecify.annotations.NullMarked;
