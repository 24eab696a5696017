package dev.kiln.worker.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.List;

import javax.imageio.ImageIO;

import org.jspecify.annotations.Nullable;

/**
 * The model-independent part of a generator that renders several requests in one pass and resumes from its own
 * checkpoints: a single request renders as a fresh batch of one, a closed generator refuses to render, the images of
 * a batch are numbered request after request, and they leave as PNGs. Subclasses implement
 * {@link #render(List, List, RenderMonitor)} (synchronized: one pass at a time) and {@link #close()}.
 */
public abstract class BatchingGenerator implements ImageGenerator {

	private boolean closed;

	/** Renders the request alone, from noise, as a batch of one. */
	@Override
	public RenderedImages render(RenderRequest request, StepListener listener) {
		return render(List.of(request), fresh(), RenderMonitor.of(listener)).get(0);
	}

	@Override
	public abstract List<RenderedImages> render(List<RenderRequest> requests,
			List<@Nullable RenderCheckpoint> resumeFrom, RenderMonitor monitor);

	/** Renders several requests of the same size and steps in one pass. */
	@Override
	public boolean batches() {
		return true;
	}

	/** Hands out checkpoints and resumes from them; a resumed render gives what an uninterrupted one would. */
	@Override
	public boolean resumable() {
		return true;
	}

	/**
	 * The checkpoint list of one request that starts from noise.
	 * @return a list holding one {@code null}
	 */
	protected static List<@Nullable RenderCheckpoint> fresh() {
		return Collections.singletonList(null);
	}

	/**
	 * Marks this generator closed; call from {@link #close()} under its lock.
	 * @return whether it was open until now (so its resources are still to be released)
	 */
	protected final boolean markClosed() {
		boolean wasOpen = !this.closed;
		this.closed = true;
		return wasOpen;
	}

	/**
	 * Refuses to render once closed; call under the lock {@link #render(List, List, RenderMonitor)} holds.
	 * @throws IllegalStateException if {@link #close()} has run
	 */
	protected final void checkOpen() {
		if (this.closed) {
			throw new IllegalStateException("Generator for model '" + modelId() + "' is closed");
		}
	}

	/**
	 * Where each request's images start in the batch.
	 * @param requests the requests rendered together
	 * @return {@code requests.size() + 1} offsets: entry r is the first image of request r, the last the batch size
	 */
	protected static int[] imageOffsets(List<RenderRequest> requests) {
		int[] offsets = new int[requests.size() + 1];
		for (int r = 0; r < requests.size(); r++) {
			offsets[r + 1] = offsets[r] + requests.get(r).numImages();
		}
		return offsets;
	}

	/**
	 * Checks a request's image count and guidance scale.
	 * @param request the request
	 * @param maxImages the most images one request may ask for
	 * @throws IllegalArgumentException unless 1 to {@code maxImages} images and a finite guidance scale of at least 0
	 */
	protected static void checkImagesAndGuidance(RenderRequest request, int maxImages) {
		if (request.numImages() < 1 || request.numImages() > maxImages) {
			throw new IllegalArgumentException(
					"numImages must be between 1 and " + maxImages + " but was " + request.numImages());
		}
		if (!Double.isFinite(request.guidanceScale()) || request.guidanceScale() < 0) {
			throw new IllegalArgumentException(
					"guidanceScale must be a finite number >= 0 but was " + request.guidanceScale());
		}
	}

	/**
	 * Encodes an image as PNG (a render's images and previews).
	 * @param image the image
	 * @return the PNG bytes
	 */
	public static byte[] png(BufferedImage image) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try {
			if (!ImageIO.write(image, "png", out)) {
				throw new IllegalStateException("No PNG writer available in this JVM");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return out.toByteArray();
	}

}
