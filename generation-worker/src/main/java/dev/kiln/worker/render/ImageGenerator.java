package dev.kiln.worker.render;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A loaded image model. Implementations are thread-safe for one render at a time per instance; the worker renders
 * one job at a time per generator.
 * <p>
 * Beyond {@link #render(RenderRequest, StepListener)}, a generator may render several compatible requests (same size
 * and steps) in one forward pass ({@link #batches()}) and hand out and resume from checkpoints
 * ({@link #resumable()}); the defaults say it does neither.
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

	/**
	 * Whether it renders requests with an {@link RenderRequest#initImage() init image} (img2img); one that does not
	 * refuses them with an {@link IllegalArgumentException} rather than render from noise.
	 */
	default boolean imageToImage() {
		return false;
	}

	/** Whether {@link #render(List, List, RenderMonitor)} takes several requests at once. */
	default boolean batches() {
		return false;
	}

	/** Whether {@link #render(List, List, RenderMonitor)} hands out checkpoints and resumes from them. */
	default boolean resumable() {
		return false;
	}

	/**
	 * Renders compatible requests (same width, height and steps) in one pass, each optionally resumed from a
	 * checkpoint. The default renders a single request from the start with {@link #render(RenderRequest, StepListener)}.
	 * @param requests the requests; more than one only when {@link #batches()}
	 * @param resumeFrom per request, the checkpoint to resume from or {@code null}; only when {@link #resumable()}
	 * @param monitor told after every step; may throw to stop the render
	 * @return the rendered images, per request
	 * @throws UnsupportedOperationException when asked for what this generator does not do
	 * @throws RenderCancelledException when the monitor stopped the render
	 */
	default List<RenderedImages> render(List<RenderRequest> requests, List<@Nullable RenderCheckpoint> resumeFrom,
			RenderMonitor monitor) {
		if (requests.size() != 1 || resumeFrom.size() != 1 || resumeFrom.get(0) != null) {
			throw new UnsupportedOperationException(
					"Model '" + modelId() + "' renders one request at a time and cannot resume from checkpoints");
		}
		return List.of(render(requests.get(0), monitor));
	}

	@Override
	void close();

}
