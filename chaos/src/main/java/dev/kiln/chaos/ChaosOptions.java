package dev.kiln.chaos;

import java.time.Duration;
import java.util.Properties;

/**
 * What a chaos run does, read from system properties {@code kiln.chaos.*} (defaults: the reduced CI run).
 *
 * @param jobs jobs to submit ({@code kiln.chaos.jobs}, 200)
 * @param seed seed of the fault schedule and of the job parameters ({@code kiln.chaos.seed}, 8)
 * @param workers worker processes kept running ({@code kiln.chaos.workers}, 2)
 * @param submitRate jobs submitted per second ({@code kiln.chaos.submit-rate}, 4)
 * @param faultWindow faults are injected from the first submission for this long ({@code kiln.chaos.fault-window},
 * the submission time plus 10 s)
 * @param sigkills SIGKILLs of a worker ({@code kiln.chaos.sigkills}, 3)
 * @param sigterms SIGTERMs of a worker ({@code kiln.chaos.sigterms}, 2)
 * @param spotNotices spot interruption notices ({@code kiln.chaos.spot-notices}, 2)
 * @param redisRestarts restarts of Redis ({@code kiln.chaos.redis-restarts}, 2)
 * @param sqsRestarts restarts of SQS ({@code kiln.chaos.sqs-restarts}, 2)
 * @param maxDowntime longest Redis or SQS outage; each lasts a random time up to this
 * ({@code kiln.chaos.max-downtime}, 3 s)
 * @param maxReceiveCount the lanes' {@code maxReceiveCount} ({@code kiln.chaos.max-receive-count}, 10)
 * @param settleLimit how long the system may take to finish every job after the faults stop
 * ({@code kiln.chaos.settle-limit}, 5 min)
 * @param strictCheckpoints whether a checkpoint left behind by a {@code SUCCEEDED} job is a violation
 * ({@code kiln.chaos.strict-checkpoints}, true; false counts it apart)
 */
record ChaosOptions(int jobs, long seed, int workers, double submitRate, Duration faultWindow, int sigkills,
		int sigterms, int spotNotices, int redisRestarts, int sqsRestarts, Duration maxDowntime, int maxReceiveCount,
		Duration settleLimit, boolean strictCheckpoints) {

	ChaosOptions {
		if (jobs < 1 || workers < 1 || workers > 8 || submitRate <= 0 || maxReceiveCount < 1) {
			throw new IllegalArgumentException("kiln.chaos.jobs, workers (1-8), submit-rate and max-receive-count "
					+ "must be positive");
		}
		if (sigkills < 0 || sigterms < 0 || spotNotices < 0 || redisRestarts < 0 || sqsRestarts < 0) {
			throw new IllegalArgumentException("fault counts must not be negative");
		}
	}

	/** Total number of faults to inject. */
	int faults() {
		return this.sigkills + this.sigterms + this.spotNotices + this.redisRestarts + this.sqsRestarts;
	}

	static ChaosOptions from(Properties properties) {
		int jobs = integer(properties, "jobs", 200);
		double rate = Double.parseDouble(properties.getProperty("kiln.chaos.submit-rate", "4"));
		Duration submitting = Duration.ofMillis((long) (jobs / rate * 1000));
		int scale = Math.max(1, jobs / 200);
		return new ChaosOptions(jobs, Long.parseLong(properties.getProperty("kiln.chaos.seed", "8")),
				integer(properties, "workers", 2), rate,
				duration(properties, "fault-window", submitting.plusSeconds(10)), integer(properties, "sigkills", 3 * scale),
				integer(properties, "sigterms", 2 * scale), integer(properties, "spot-notices", 2 * scale),
				integer(properties, "redis-restarts", 2 * scale), integer(properties, "sqs-restarts", 2 * scale),
				duration(properties, "max-downtime", Duration.ofSeconds(3)), integer(properties, "max-receive-count", 10),
				duration(properties, "settle-limit", Duration.ofMinutes(5).plusSeconds(jobs / 10)),
				Boolean.parseBoolean(properties.getProperty("kiln.chaos.strict-checkpoints", "true")));
	}

	private static int integer(Properties properties, String name, int fallback) {
		String value = properties.getProperty("kiln.chaos." + name);
		try {
			return (value != null) ? Integer.parseInt(value.trim()) : fallback;
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("kiln.chaos." + name + " must be a whole number, got '" + value + "'");
		}
	}

	private static Duration duration(Properties properties, String name, Duration fallback) {
		String value = properties.getProperty("kiln.chaos." + name);
		if (value == null) {
			return fallback;
		}
		String trimmed = value.trim().toLowerCase(java.util.Locale.ROOT);
		try {
			if (trimmed.endsWith("ms")) {
				return Duration.ofMillis(Long.parseLong(trimmed.substring(0, trimmed.length() - 2)));
			}
			if (trimmed.endsWith("s")) {
				return Duration.ofSeconds(Long.parseLong(trimmed.substring(0, trimmed.length() - 1)));
			}
			if (trimmed.endsWith("m")) {
				return Duration.ofMinutes(Long.parseLong(trimmed.substring(0, trimmed.length() - 1)));
			}
			return Duration.parse(value.trim());
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException(
					"kiln.chaos." + name + " must be a duration such as 500ms, 30s, 5m or PT1M, got '" + value + "'");
		}
	}

}
