package dev.kiln.worker.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What Kiln promises when one request is rendered by two different computations: in a batch with other requests and
 * alone, or as image {@code i} of a request and as a request of its own with seed {@code seed + i}.
 * <p>
 * Those are the same arithmetic in a different order. libtorch's CPU kernels (oneDNN/MKL matrix products, vectorised
 * loops split over threads) are picked and tiled by tensor shape, thread count and instruction set, so a batch of
 * four may round the last bit of a float32 differently from a batch of one. A latent that differs by about 1e-6 moves
 * a pixel across a rounding boundary now and then, so a channel can differ by a level or, where such differences
 * meet, by two. Bit-identical PNGs hold only when the computation is the same (the same request in the same batch
 * shape on the same machine and engine build, or a render resumed from its own checkpoint); a test that demands them
 * across batch shapes tests the CPU, not Kiln.
 * <p>
 * The tolerance, measured (generation-worker README, "Batching"): on an AMD EPYC (AVX-512) with 1 and 2 threads, and
 * with {@code DNNL_MAX_CPU_ISA=AVX2}, built-in renders of 64×96 to 256×256 pixels, 3 to 50 steps, in batches of 2 and
 * 4 requests and as image {@code i} of a 3-image request, differed from their lone renders by at most 1 level in a
 * channel, in at most 19 of 196,608 channels (256×256) or 5 of 18,432 (96×64): PSNR at least 83.8 dB, most
 * renders bit-identical or off in 1-3 channels. The bounds below leave a wide margin over that and still fail for
 * anything that is not the same image: another seed or step count differs by 100-200 levels (PSNR 10-21 dB),
 * guidance 7.4 instead of 7.5 by up to 14 levels in two channels of three (PSNR 43 dB).
 */
public final class RenderedImageAssertions {

	/**
	 * Largest difference of one channel of one pixel between two renders of the same request, in levels of 255:
	 * 1 is what was measured, 2 allows two rounding differences to meet in one channel.
	 */
	public static final int MAX_CHANNEL_DIFFERENCE = 2;

	/**
	 * Smallest peak signal-to-noise ratio between two renders of the same request, in dB. 60 dB is a mean squared
	 * error of 0.065 levels², about one channel in 15 off by one level (or one in 60 off by two); measured renders
	 * stayed above 83.8 dB (fewer than one channel in 3,000 off by one), 250 times less error.
	 */
	public static final double MIN_PSNR_DB = 60;

	private RenderedImageAssertions() {
	}

	/**
	 * Asserts that two PNGs are renders of the same request: same size, and every channel of every pixel within
	 * {@link #MAX_CHANNEL_DIFFERENCE} levels, PSNR at least {@link #MIN_PSNR_DB}.
	 * @param what names the image in a failure
	 * @param actual the render under test
	 * @param expected the reference render
	 * @return how far apart they were
	 */
	public static Difference assertSameRender(String what, byte[] actual, byte[] expected) {
		Difference difference = Difference.between(actual, expected);
		assertThat(difference.maxChannel())
			.as("%s: largest channel difference (levels of 255) of %s", what, difference)
			.isLessThanOrEqualTo(MAX_CHANNEL_DIFFERENCE);
		assertThat(difference.psnr()).as("%s: PSNR (dB) of %s", what, difference).isGreaterThanOrEqualTo(MIN_PSNR_DB);
		return difference;
	}

	/**
	 * Asserts {@link #assertSameRender} image by image.
	 * @param what names the images in a failure
	 * @param actual the renders under test
	 * @param expected the reference renders, as many
	 */
	public static void assertSameRenders(String what, List<byte[]> actual, List<byte[]> expected) {
		assertThat(actual).as("%s: number of images", what).hasSameSizeAs(expected);
		for (int i = 0; i < actual.size(); i++) {
			assertSameRender(what + " image " + i, actual.get(i), expected.get(i));
		}
	}

	/** Decodes a PNG, failing the test if it is not one. */
	public static BufferedImage decode(byte[] png) {
		try {
			BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
			assertThat(image).as("a decodable PNG").isNotNull();
			return image;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * How far apart two images of the same size are, over their red, green and blue channels.
	 * @param maxChannel the largest absolute difference of one channel, in levels of 255
	 * @param differingChannels how many channels differ at all
	 * @param channels how many channels were compared
	 * @param psnr peak signal-to-noise ratio in dB ({@code 10·log10(255² / MSE)}); infinite for identical images
	 * @param meanChannel the mean absolute difference of a channel, in levels of 255
	 */
	public record Difference(int maxChannel, long differingChannels, long channels, double psnr, double meanChannel) {

		/** Compares two PNGs, failing the test if they differ in size. */
		public static Difference between(byte[] a, byte[] b) {
			return between(decode(a), decode(b));
		}

		/** Compares two images, failing the test if they differ in size. */
		public static Difference between(BufferedImage a, BufferedImage b) {
			assertThat(b.getWidth()).as("width").isEqualTo(a.getWidth());
			assertThat(b.getHeight()).as("height").isEqualTo(a.getHeight());
			int max = 0;
			long differing = 0;
			long squares = 0;
			long total = 0;
			for (int y = 0; y < a.getHeight(); y++) {
				for (int x = 0; x < a.getWidth(); x++) {
					int p = a.getRGB(x, y);
					int q = b.getRGB(x, y);
					for (int shift = 0; shift <= 16; shift += 8) {
						int d = Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff));
						max = Math.max(max, d);
						differing += (d != 0) ? 1 : 0;
						squares += (long) d * d;
						total += d;
					}
				}
			}
			long channels = 3L * a.getWidth() * a.getHeight();
			double mse = (double) squares / channels;
			double psnr = (squares == 0) ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
			return new Difference(max, differing, channels, psnr, (double) total / channels);
		}

		@Override
		public String toString() {
			return "max %d, %d of %d channels differ, PSNR %.1f dB".formatted(this.maxChannel,
					this.differingChannels, this.channels, this.psnr);
		}

	}

}
