package dev.kiln.worker.render;

/**
 * A {@link StepListener} that may also ask for the render state (to checkpoint it) and for low-resolution previews.
 * After every step a generator that supports them first hands out checkpoints when {@link #wantsCheckpoint} says so,
 * then previews when {@link #wantsPreview} says so, and then calls {@link #onStep}, which may throw to stop the
 * render. Generators that support neither simply call {@link #onStep}.
 */
public interface RenderMonitor extends StepListener {

	/**
	 * Whether to hand out each request's render state after this step.
	 * @param step the step just finished, from 1
	 * @param totalSteps the steps of the whole render
	 * @return {@code true} to receive {@link #onCheckpoint} calls for this step
	 */
	default boolean wantsCheckpoint(int step, int totalSteps) {
		return false;
	}

	/**
	 * The render state of one request.
	 * @param request the index of the request in the batch
	 * @param checkpoint its state
	 */
	default void onCheckpoint(int request, RenderCheckpoint checkpoint) {
	}

	/**
	 * Whether to draw a preview of each request after this step.
	 * @param step the step just finished, from 1
	 * @param totalSteps the steps of the whole render
	 * @return {@code true} to receive {@link #onPreview} calls for this step
	 */
	default boolean wantsPreview(int step, int totalSteps) {
		return false;
	}

	/**
	 * A low-resolution PNG of the first image of one request, as it stands after {@code step}.
	 * @param request the index of the request in the batch
	 * @param step the step just finished
	 * @param png the preview
	 */
	default void onPreview(int request, int step, byte[] png) {
	}

	/** Wraps a plain listener. */
	static RenderMonitor of(StepListener listener) {
		return (listener instanceof RenderMonitor monitor) ? monitor : listener::onStep;
	}

}
