/**
 * Scaling policies: each a pure function from a {@link dev.kiln.advisor.policy.Snapshot} of the inputs to a
 * {@link dev.kiln.advisor.policy.Decision}, shared by the live advisor and the simulator.
 */
@NullMarked
package dev.kiln.advisor.policy;

import org.jspecify.annotations.NullMarked;
