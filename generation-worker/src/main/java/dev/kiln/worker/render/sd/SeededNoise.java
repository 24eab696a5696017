package dev.kiln.worker.render.sd;

import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Reproducible noise for a batch: each image of the batch draws from its own stream seeded with its own seed
 * ({@code seed + i} for image {@code i} of a request) (SplitMix64 via {@link SplittableRandom}, Box–Muller on {@link StrictMath}), so an image's noise
 * depends only on its own seed, on every JVM and platform, and never on an engine's global random state.
 */
final class SeededNoise implements NoiseSource {

	private final Stream[] streams;

	/**
	 * @param seed the first image's seed
	 * @param images images in the batch
	 */
	SeededNoise(long seed, int images) {
		this(consecutive(seed, images));
	}

	/**
	 * @param seeds each image's seed, in batch order
	 */
	SeededNoise(long[] seeds) {
		this.streams = new Stream[seeds.length];
		for (int i = 0; i < seeds.length; i++) {
			this.streams[i] = new Stream(seeds[i]);
		}
	}

	private static long[] consecutive(long seed, int images) {
		long[] seeds = new long[images];
		for (int i = 0; i < images; i++) {
			seeds[i] = seed + i;
		}
		return seeds;
	}

	@Override
	public NDArray next(NDManager manager, Shape shape) {
		int images = this.streams.length;
		if (shape.dimension() < 1 || shape.get(0) != images) {
			throw new IllegalArgumentException("Noise shape " + shape + " must have the batch size " + images
					+ " as its first dimension");
		}
		long total = shape.size();
		if (total > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("Noise shape " + shape + " is too large");
		}
		int perImage = (int) (total / images);
		float[] values = new float[(int) total];
		for (int i = 0; i < images; i++) {
			this.streams[i].fill(values, i * perImage, perImage);
		}
		return manager.create(values, shape);
	}

	/** One image's stream of standard-normal samples. */
	private static final class Stream {

		private final SplittableRandom random;

		private double spare;

		private boolean hasSpare;

		Stream(long seed) {
			this.random = new SplittableRandom(seed);
		}

		void fill(float[] target, int offset, int count) {
			for (int i = 0; i < count; i++) {
				target[offset + i] = (float) nextGaussian();
			}
		}

		private double nextGaussian() {
			if (this.hasSpare) {
				this.hasSpare = false;
				return this.spare;
			}
			double u1 = 1.0 - this.random.nextDouble();
			double u2 = this.random.nextDouble();
			double radius = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
			double angle = 2.0 * StrictMath.PI * u2;
			this.spare = radius * StrictMath.sin(angle);
			this.hasSpare = true;
			return radius * StrictMath.cos(angle);
		}

	}

}
