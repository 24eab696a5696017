/**
 * Jobs' traces in the queue service: trace context to and from SQS message attributes and the job record.
 */
@NullMarked
package dev.kiln.queue.tracing;

import org.jspecify.annotations.NullMarked;
