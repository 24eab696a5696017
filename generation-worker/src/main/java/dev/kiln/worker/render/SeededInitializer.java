package dev.kiln.worker.render;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * Fills a parameter with reproducible normal values from a fixed seed. Unlike DJL's built-in initializers it does not
 * draw from the engine's global random generator, so materialising the model gives the same parameters whatever else
 * the JVM has done with the engine.
 *
 * @param seed the seed of this parameter
 * @param gain the standard deviation, or with {@code scaleByFanIn} the standard deviation times √fan-in
 * @param scaleByFanIn whether to divide {@code gain} by the square root of the parameter's fan-in
 */
record SeededInitializer(long seed, double gain, boolean scaleByFanIn) implements Initializer {

	@Override
	public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
		long fanIn = (shape.dimension() > 1) ? shape.size() / shape.get(0) : 1;
		double std = this.scaleByFanIn ? this.gain / Math.sqrt(fanIn) : this.gain;
		float[] values = Gaussians.sample(this.seed, Math.toIntExact(shape.size()), std);
		return manager.create(values, shape).toType(dataType, false);
	}

}
