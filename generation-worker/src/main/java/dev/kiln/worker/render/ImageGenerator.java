package dev.kiln.worker.render;

/**
 * A loaded image model. Implementations are thread-safe for one render at a time per instance; the worker renders
 * one job at a time per generator.
 */
public interface ImageGenerator extends AutoCloseable {

	/** The model id this generator serves. */
	String modelId();

	/** The device the model lives on, as DJL names it (for example {@code cpu()} or {@code gpu(0)}). */
	String device();

	/**
	 * Renders the request.
	 * @param request what to render
	 * @param listener told after every step; may throw to stop the render
	 * @return the PNGs
	 * @throws RenderCancelledException when the listener stopped the render
	 */
	RenderedImages render(RenderRequest request, StepListener listener);

	@Override
	void close();

}
