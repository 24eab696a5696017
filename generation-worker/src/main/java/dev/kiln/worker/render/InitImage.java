package dev.kiln.worker.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

/**
 * The image an img2img render starts from, with how much of it is redrawn.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param pixels {@code (3, height, width)} channel-major RGB in [−1, 1], as diffusers' {@code VaeImageProcessor}
 * prepares an image for the VAE encoder ({@code x/255·2 − 1}); do not modify
 * @param strength 0 to 1: the render runs the last {@code min(int(steps × strength), steps)} of its steps
 */
public record InitImage(int width, int height, float[] pixels, double strength) {

	public InitImage {
		if (!(strength >= 0 && strength <= 1)) {
			throw new IllegalArgumentException("strength must be 0 to 1, not " + strength);
		}
		if (pixels.length != 3 * width * height) {
			throw new IllegalArgumentException("An init image of " + width + "x" + height + " has "
					+ (3 * width * height) + " values, not " + pixels.length);
		}
	}

	/**
	 * Decodes a PNG (or any image ImageIO reads) into an init image.
	 * @param png the encoded image
	 * @param strength how much of it is redrawn
	 * @return the init image
	 * @throws IllegalArgumentException when the bytes are no readable image
	 */
	public static InitImage decode(byte[] png, double strength) {
		BufferedImage image;
		try {
			image = ImageIO.read(new ByteArrayInputStream(png));
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("The init image is no readable image: " + ex.getMessage(), ex);
		}
		if (image == null) {
			throw new IllegalArgumentException("The init image is no readable image");
		}
		return of(image, strength);
	}

	/**
	 * An init image from pixels.
	 * @param image the image; alpha is ignored
	 * @param strength how much of it is redrawn
	 * @return the init image
	 */
	public static InitImage of(BufferedImage image, double strength) {
		int width = image.getWidth();
		int height = image.getHeight();
		int plane = width * height;
		int[] rgb = image.getRGB(0, 0, width, height, null, 0, width);
		float[] pixels = new float[3 * plane];
		for (int p = 0; p < plane; p++) {
			pixels[p] = unit((rgb[p] >> 16) & 0xff);
			pixels[plane + p] = unit((rgb[p] >> 8) & 0xff);
			pixels[2 * plane + p] = unit(rgb[p] & 0xff);
		}
		return new InitImage(width, height, pixels, strength);
	}

	/** diffusers' {@code VaeImageProcessor}: {@code pil_to_numpy} (x / 255) then {@code normalize} (2x − 1). */
	private static float unit(int value) {
		return value / 255f * 2f - 1f;
	}

	/**
	 * The steps an img2img render of {@code steps} steps runs, as diffusers' {@code get_timesteps}
	 * ({@code pipelines/stable_diffusion/pipeline_stable_diffusion_img2img.py}):
	 * {@code init_timestep = min(int(steps × strength), steps)}.
	 * @param steps the job's steps
	 * @return the steps run, 0 to {@code steps}
	 */
	public int stepsRun(int steps) {
		return Math.min((int) (steps * this.strength), steps);
	}

	/**
	 * The first step an img2img render runs: diffusers' {@code t_start = max(steps − init_timestep, 0)}; the render
	 * runs the scheduler's evaluations from {@code t_start × scheduler.order} on ({@code order} is 1 for every
	 * scheduler Kiln has).
	 * @param steps the job's steps
	 * @return the index of the first step run
	 */
	public int startStep(int steps) {
		return Math.max(steps - stepsRun(steps), 0);
	}

}
