package dev.kiln.worker.render;

import java.util.SplittableRandom;

/**
 * Reproducible standard-normal samples: SplitMix64 ({@link SplittableRandom}) and the Box–Muller transform on
 * {@link StrictMath}, so a seed gives the same floats on every JVM and platform, independent of any engine's global
 * random state.
 */
final class Gaussians {

	private Gaussians() {
	}

	/**
	 * Draws {@code count} samples from N(0, std²).
	 * @param seed the seed
	 * @param count how many samples
	 * @param std the standard deviation
	 * @return the samples
	 */
	static float[] sample(long seed, int count, double std) {
		SplittableRandom random = new SplittableRandom(seed);
		float[] values = new float[count];
		for (int i = 0; i < count; i += 2) {
			double u1 = 1.0 - random.nextDouble();
			double u2 = random.nextDouble();
			double radius = StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * std;
			double angle = 2.0 * StrictMath.PI * u2;
			values[i] = (float) (radius * StrictMath.cos(angle));
			if (i + 1 < count) {
				values[i + 1] = (float) (radius * StrictMath.sin(angle));
			}
		}
		return values;
	}

}
