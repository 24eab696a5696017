/**
 * Tracing conventions every Kiln service shares: the tag names of a job's spans.
 */
@NullMarked
package dev.kiln.support.tracing;

import org.jspecify.annotations.NullMarked;
