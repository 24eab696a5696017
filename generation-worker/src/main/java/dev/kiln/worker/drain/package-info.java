/**
 * Why a worker drains: SIGTERM (Spring's shutdown), an EC2 spot interruption notice, or an operator's request. Every
 * source goes through {@link dev.kiln.worker.drain.DrainSignal}; the job receiver does the draining.
 */
@NullMarked
package dev.kiln.worker.drain;

import org.jspecify.annotations.NullMarked;
