package dev.kiln.worker.render;

/**
 * Told after every finished step of a render. Throwing stops the render: a worker throws
 * {@link RenderCancelledException} when the job was cancelled or the worker must drain.
 */
@FunctionalInterface
public interface StepListener {

	/** A listener that does nothing. */
	StepListener NONE = (step, totalSteps) -> {
	};

	/**
	 * Called after step {@code step} (from 1) of {@code totalSteps}.
	 * @param step the step just finished
	 * @param totalSteps the steps of the whole render
	 */
	void onStep(int step, int totalSteps);

}
