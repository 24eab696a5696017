/**
 * Taking jobs from SQS, rendering them and reporting what happened, without losing any.
 */
@NullMarked
package dev.kiln.worker.job;

import org.jspecify.annotations.NullMarked;
