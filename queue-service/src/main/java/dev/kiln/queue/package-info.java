/**
 * The queue service: job lifecycle behind the gateway.
 */
@NullMarked
package dev.kiln.queue;

import org.jspecify.annotations.NullMarked;
