/**
 * Where Kiln's queues are: their URLs under the shared {@code kiln.queues.prefix}.
 */
@NullMarked
package dev.kiln.support.queues;

import org.jspecify.annotations.NullMarked;
