package dev.kiln.benchmarks;

import java.util.Arrays;
import java.util.Collection;

/**
 * Percentiles of a sample (nearest rank).
 *
 * @param count values
 * @param p50 median
 * @param p99 99th percentile
 * @param max largest
 * @param mean mean
 */
record Stats(int count, double p50, double p99, double max, double mean) {

	static Stats of(Collection<Double> values) {
		double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
		if (sorted.length == 0) {
			return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
		}
		return new Stats(sorted.length, rank(sorted, 0.50), rank(sorted, 0.99), sorted[sorted.length - 1],
				Arrays.stream(sorted).average().orElse(Double.NaN));
	}

	private static double rank(double[] sorted, double p) {
		int index = (int) Math.ceil(p * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
	}

	static String f(double value) {
		if (Double.isNaN(value)) {
			return "n/a";
		}
		return (Math.abs(value) >= 100) ? String.format("%.0f", value)
				: (Math.abs(value) >= 10) ? String.format("%.1f", value) : String.format("%.2f", value);
	}

}
