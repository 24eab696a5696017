package dev.kiln.worker.render;

import java.time.Duration;
import java.util.List;

/**
 * The result of a render.
 *
 * @param pngs one PNG-encoded image per requested image, each exactly width × height
 * @param renderTime wall-clock time spent rendering
 * @param device the device the render ran on, as DJL names it (for example {@code cpu()} or {@code gpu(0)})
 */
public record RenderedImages(List<byte[]> pngs, Duration renderTime, String device) {

	public RenderedImages {
		pngs = List.copyOf(pngs);
	}

}
