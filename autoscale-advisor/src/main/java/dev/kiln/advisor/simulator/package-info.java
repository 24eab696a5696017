/**
 * The policy simulator: the same policy code as the live advisor, driven by a discrete-event cluster model over a
 * job trace. Assumptions are documented in {@code SIMULATOR.md} at the module root.
 */
@NullMarked
package dev.kiln.advisor.simulator;

import org.jspecify.annotations.NullMarked;
