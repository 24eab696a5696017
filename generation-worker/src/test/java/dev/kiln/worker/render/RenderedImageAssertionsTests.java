package dev.kiln.worker.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The tolerance between renders of one request in different batch shapes passes rounding and nothing more. */
class RenderedImageAssertionsTests {

	private static final int WIDTH = 64;

	private static final int HEIGHT = 48;

	@Test
	void identicalImagesDifferByNothing() throws IOException {
		BufferedImage image = noise(1);
		RenderedImageAssertions.Difference difference = RenderedImageAssertions.assertSameRender("same", png(image),
				png(image));
		assertThat(difference.maxChannel()).isZero();
		assertThat(difference.differingChannels()).isZero();
		assertThat(difference.channels()).isEqualTo(3L * WIDTH * HEIGHT);
		assertThat(difference.psnr()).isInfinite();
	}

	@Test
	void aFewChannelsOffByARoundingStepPass() throws IOException {
		BufferedImage image = noise(2);
		BufferedImage rounded = copy(image);
		nudge(rounded, 3, 4, 0, 1);
		nudge(rounded, 10, 20, 8, -1);
		nudge(rounded, 60, 47, 16, 2);
		RenderedImageAssertions.Difference difference = RenderedImageAssertions.assertSameRender("rounded",
				png(rounded), png(image));
		assertThat(difference.maxChannel()).isEqualTo(2);
		assertThat(difference.differingChannels()).isEqualTo(3);
		// MSE = (1 + 1 + 4) / 9216 levels²
		assertThat(difference.psnr()).isBetween(79.9, 80.0);
	}

	@Test
	void oneChannelOffByMoreThanRoundingFails() throws IOException {
		BufferedImage image = noise(3);
		BufferedImage off = copy(image);
		nudge(off, 5, 5, 8, 3);
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> RenderedImageAssertions.assertSameRender("off by 3", png(off), png(image)))
			.withMessageContaining("off by 3: largest channel difference")
			.withMessageContaining("max 3, 1 of 9216 channels differ");
	}

	@Test
	void everyChannelOffByOneFailsOnPsnr() throws IOException {
		BufferedImage image = noise(4);
		BufferedImage shifted = copy(image);
		for (int y = 0; y < HEIGHT; y++) {
			for (int x = 0; x < WIDTH; x++) {
				for (int shift = 0; shift <= 16; shift += 8) {
					nudge(shifted, x, y, shift, (((image.getRGB(x, y) >> shift) & 0xff) == 255) ? -1 : 1);
				}
			}
		}
		// MSE 1 level²: PSNR 48.1 dB
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> RenderedImageAssertions.assertSameRender("shifted", png(shifted), png(image)))
			.withMessageContaining("shifted: PSNR")
			.withMessageContaining("PSNR 48.1 dB");
	}

	@Test
	void anotherImageFails() throws IOException {
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> RenderedImageAssertions.assertSameRender("other", png(noise(5)), png(noise(6))));
	}

	@Test
	void imagesOfAnotherSizeOrCountFail() throws IOException {
		BufferedImage image = noise(7);
		byte[] smaller = png(image.getSubimage(0, 0, WIDTH - 8, HEIGHT));
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> RenderedImageAssertions.assertSameRender("cropped", smaller, png(image)))
			.withMessageContaining("width");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> RenderedImageAssertions.assertSameRenders("two vs one", List.of(png(image), png(image)),
					List.of(png(image))))
			.withMessageContaining("two vs one: number of images");
	}

	private static BufferedImage noise(long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < HEIGHT; y++) {
			for (int x = 0; x < WIDTH; x++) {
				image.setRGB(x, y, random.nextInt(1 << 24));
			}
		}
		return image;
	}

	private static BufferedImage copy(BufferedImage image) {
		BufferedImage copy = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
		copy.setData(image.getData());
		return copy;
	}

	/** Moves one channel ({@code shift} 0 blue, 8 green, 16 red) of one pixel by {@code by} levels, clamped. */
	private static void nudge(BufferedImage image, int x, int y, int shift, int by) {
		int rgb = image.getRGB(x, y);
		int value = Math.clamp(((rgb >> shift) & 0xff) + by, 0, 255);
		image.setRGB(x, y, (rgb & ~(0xff << shift)) | (value << shift));
	}

	private static byte[] png(BufferedImage image) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ImageIO.write(image, "png", out);
		return out.toByteArray();
	}

}
