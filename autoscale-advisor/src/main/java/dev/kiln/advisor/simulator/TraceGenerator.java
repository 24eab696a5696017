package dev.kiln.advisor.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import dev.kiln.contract.Lane;

/**
 * Synthetic traces, all seeded: the same seed gives the same trace. Arrival rates are per lane (jobs per hour); render
 * times are log-normal around a lane mean; batch jobs carry an explicit deadline, the others use the lane default.
 */
public final class TraceGenerator {

	/** Monday 2026-01-05 00:00 UTC: second zero of every generated trace. */
	public static final Instant START = Instant.parse("2026-01-05T00:00:00Z");

	/** The generators by name. */
	public static final List<String> KINDS = List.of("poisson", "diurnal", "bursty", "wan22");

	private static final Map<Lane, Double> RATE_PER_HOUR = new EnumMap<>(
			Map.of(Lane.INTERACTIVE, 30.0, Lane.STANDARD, 120.0, Lane.BATCH, 400.0));

	private static final Map<Lane, Double> RENDER_SECONDS = new EnumMap<>(
			Map.of(Lane.INTERACTIVE, 4.0, Lane.STANDARD, 7.0, Lane.BATCH, 7.0));

	private static final double BATCH_DEADLINE_SECONDS = 8 * 3600;

	private TraceGenerator() {
	}

	/**
	 * Generates a trace by kind.
	 * @param kind one of {@link #KINDS}
	 * @param days length in days
	 * @param seed random seed
	 * @return the trace
	 */
	public static Trace generate(String kind, int days, long seed) {
		double seconds = days * 86_400.0;
		return switch (kind.toLowerCase(Locale.ROOT)) {
			case "poisson" -> new Trace("poisson", START, mixed(seconds, seed, (t) -> 1.0));
			case "diurnal" -> new Trace("diurnal", START, mixed(seconds, seed, TraceGenerator::diurnal));
			case "bursty" -> new Trace("bursty", START, mixed(seconds, seed, new Mmpp(seed ^ 0x5DEECE66DL)));
			case "wan22" -> new Trace("wan22", START, wan22(seconds, seed));
			default -> throw new IllegalArgumentException(
					"Unknown trace kind '" + kind + "'; expected one of " + String.join(", ", KINDS));
		};
	}

	/** Rate multiplier over the day: peak 1.9x at 15:00 UTC, trough 0.1x at 03:00. */
	static double diurnal(double t) {
		double hour = (t / 3600.0) % 24;
		return 1 + 0.9 * Math.sin(2 * Math.PI * (hour - 9) / 24);
	}

	/** A three-lane mix; arrivals by thinning a Poisson process at the peak rate with {@code multiplier(t)}. */
	private static List<TraceJob> mixed(double seconds, long seed, Multiplier multiplier) {
		SplittableRandom random = new SplittableRandom(seed);
		List<TraceJob> jobs = new ArrayList<>();
		double peak = 5.0;
		for (Lane lane : Lane.values()) {
			double ratePerSecond = RATE_PER_HOUR.get(lane) / 3600.0;
			double t = 0;
			while (true) {
				t += exponential(random, ratePerSecond * peak);
				if (t >= seconds) {
					break;
				}
				if (random.nextDouble() * peak < multiplier.at(t)) {
					double deadline = (lane == Lane.BATCH) ? BATCH_DEADLINE_SECONDS : 0;
					jobs.add(new TraceJob(t, lane, deadline, logNormal(random, RENDER_SECONDS.get(lane), 0.2)));
				}
			}
		}
		return jobs;
	}

	/** The Wan2.2 design's scenario: 200 video jobs a day on the batch lane, 20 per GPU-hour, due within 24 h. */
	private static List<TraceJob> wan22(double seconds, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		List<TraceJob> jobs = new ArrayList<>();
		double t = 0;
		while (true) {
			t += exponential(random, 200.0 / 86_400.0);
			if (t >= seconds) {
				return jobs;
			}
			jobs.add(new TraceJob(t, Lane.BATCH, 86_400, logNormal(random, 180, 0.15)));
		}
	}

	static double exponential(SplittableRandom random, double rate) {
		return -Math.log(1 - random.nextDouble()) / rate;
	}

	/** A log-normal sample with the given mean and shape {@code sigma}. */
	static double logNormal(SplittableRandom random, double mean, double sigma) {
		double mu = Math.log(mean) - sigma * sigma / 2;
		return Math.exp(mu + sigma * gaussian(random));
	}

	static double gaussian(SplittableRandom random) {
		double u = 1 - random.nextDouble();
		double v = random.nextDouble();
		return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
	}

	@FunctionalInterface
	private interface Multiplier {

		double at(double t);

	}

	/**
	 * A two-state Markov-modulated Poisson process: quiet (0.3x) for a mean of 3 h, bursts (4x) for a mean of 30 min.
	 * Queried with non-decreasing times per lane; each lane replays the same state path.
	 */
	private static final class Mmpp implements Multiplier {

		private final List<double[]> switches = new ArrayList<>();

		private final SplittableRandom random;

		Mmpp(long seed) {
			this.random = new SplittableRandom(seed);
			this.switches.add(new double[] { 0, 0.3 });
		}

		@Override
		public double at(double t) {
			while (this.switches.get(this.switches.size() - 1)[0] <= t) {
				double[] last = this.switches.get(this.switches.size() - 1);
				boolean quiet = last[1] < 1;
				double dwell = exponential(this.random, 1.0 / (quiet ? 3 * 3600 : 1800));
				this.switches.add(new double[] { last[0] + dwell, quiet ? 4.0 : 0.3 });
			}
			double level = 0.3;
			for (double[] change : this.switches) {
				if (change[0] > t) {
					break;
				}
				level = change[1];
			}
			return level;
		}

	}

}
