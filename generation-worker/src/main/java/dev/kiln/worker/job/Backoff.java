package dev.kiln.worker.job;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How long a message that met a transient fault stays invisible before SQS delivers it again: {@code base} on the
 * first attempt, doubled on every later one, capped at {@code max} and SQS's 12 hours, plus up to 25 % jitter so that
 * jobs which failed together do not come back together.
 *
 * @param base the backoff after the first attempt ({@code kiln.worker.retry-backoff})
 * @param max the longest backoff ({@code kiln.worker.max-retry-backoff})
 * @param random the jitter's source, uniform in [0, 1)
 */
record Backoff(Duration base, Duration max, DoubleSupplier random) {

	static final Duration SQS_MAX_VISIBILITY = Duration.ofHours(12);

	/**
	 * The visibility timeout for a message released after a failed attempt.
	 * @param attempt the attempt that failed, from 1
	 * @return whole seconds, at least 1, at most 12 hours
	 */
	int seconds(int attempt) {
		int doublings = Math.clamp(attempt - 1, 0, 30);
		double seconds = Math.min(this.base.toMillis() / 1000.0 * Math.pow(2, doublings), this.max.toMillis() / 1000.0);
		seconds *= 1.0 + 0.25 * this.random.getAsDouble();
		return (int) Math.clamp(Math.round(seconds), 1, SQS_MAX_VISIBILITY.toSeconds());
	}

}
