/**
 * Cost: the unit-cost model ($/image, $/1M images, monthly projection) and the attribution of each finished job's
 * cost to its tenant.
 */
@NullMarked
package dev.kiln.advisor.cost;

import org.jspecify.annotations.NullMarked;
