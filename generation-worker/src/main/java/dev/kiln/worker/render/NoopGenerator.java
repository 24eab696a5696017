package dev.kiln.worker.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.imageio.ImageIO;

/**
 * A model that does no work: every image is a plain grey PNG of the requested size, encoded once per size, and the
 * steps are only counted (the listener is still told after each one, so progress and cancellation behave as with a
 * real model). For measuring what Kiln itself costs around a render (the benchmarks' "zero-cost model") and for
 * smoke-testing a deployment without weights; never for users.
 */
public final class NoopGenerator implements ImageGenerator {

	/** The device a no-op render "runs" on. */
	public static final String DEVICE = "none";

	private static final int GREY = 0x808080;

	private final String modelId;

	private final Map<Long, byte[]> pngs = new ConcurrentHashMap<>();

	/**
	 * A no-op model.
	 * @param modelId the id it serves
	 */
	public NoopGenerator(String modelId) {
		this.modelId = modelId;
	}

	@Override
	public String modelId() {
		return this.modelId;
	}

	@Override
	public String device() {
		return DEVICE;
	}

	@Override
	public RenderedImages render(RenderRequest request, StepListener listener) {
		if (request.initImage() != null) {
			throw new IllegalArgumentException("The no-op model cannot start from an init image");
		}
		long start = System.nanoTime();
		for (int step = 1; step <= request.steps(); step++) {
			listener.onStep(step, request.steps());
		}
		byte[] png = this.pngs.computeIfAbsent(((long) request.width() << 32) | request.height(),
				(key) -> blank(request.width(), request.height()));
		List<byte[]> images = new ArrayList<>();
		for (int i = 0; i < request.numImages(); i++) {
			images.add(png.clone());
		}
		return new RenderedImages(images, Duration.ofNanos(System.nanoTime() - start), DEVICE);
	}

	private static byte[] blank(int width, int height) {
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < height; y++) {
			for (int x = 0; x < width; x++) {
				image.setRGB(x, y, GREY);
			}
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try {
			ImageIO.write(image, "png", out);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not encode a " + width + "x" + height + " PNG", ex);
		}
		return out.toByteArray();
	}

	@Override
	public void close() {
	}

}
