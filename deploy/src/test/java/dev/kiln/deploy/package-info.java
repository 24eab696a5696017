/**
 * Tests of Kiln's Helm chart: lint, rendering with several value sets, typed parsing, CRD schema validation and the
 * invariants that keep a deployment from failing silently.
 */
@NullMarked
package dev.kiln.deploy;

import org.jspecify.annotations.NullMarked;
