/**
 * Retention: finished job records, their index entries and their outputs are deleted once older than
 * {@code kiln.retention}.
 */
@NullMarked
package dev.kiln.queue.retention;

import org.jspecify.annotations.NullMarked;
