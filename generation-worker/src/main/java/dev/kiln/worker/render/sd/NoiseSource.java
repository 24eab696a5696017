package dev.kiln.worker.render.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Standard-normal noise for the initial latents and for ancestral sampling steps. */
@FunctionalInterface
interface NoiseSource {

	/**
	 * Draws the next noise tensor.
	 * @param manager the manager the tensor is created in
	 * @param shape the shape, batch first
	 * @return float32 samples from N(0, 1)
	 */
	NDArray next(NDManager manager, Shape shape);

}
