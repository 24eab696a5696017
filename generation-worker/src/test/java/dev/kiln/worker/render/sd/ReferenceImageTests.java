package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import dev.kiln.worker.render.RenderRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/** The reference image's job file and the PSNR it is compared by, against values worked out by hand. */
class ReferenceImageTests {

	private static final int WIDTH = 32;

	private static final int HEIGHT = 24;

	@Test
	void identicalImagesHaveInfinitePsnr() throws IOException {
		byte[] png = png(pattern(0, 0));
		assertThat(ReferenceImage.psnr(png, png)).isInfinite();
		assertThat(ReferenceImage.psnr(png(pattern(0, 0)), png)).isInfinite();
	}

	@Test
	void aUniformOffsetGivesTheClosedFormPsnr() throws IOException {
		byte[] reference = png(pattern(0, 0));
		for (int offset : new int[] { 1, 3, 8, 9, 40 }) {
			// every channel off by d: MSE = d², PSNR = 20·log10(255 / d)
			double expected = 20 * Math.log10(255.0 / offset);
			assertThat(ReferenceImage.psnr(png(pattern(offset, 0)), reference)).as("offset %d", offset)
				.isCloseTo(expected, within(1e-9));
			assertThat(ReferenceImage.psnr(png(pattern(-offset, 0)), reference)).as("offset -%d", offset)
				.isCloseTo(expected, within(1e-9));
		}
		// 1 level: 48.1308 dB; the 30 dB bar lies between 8 levels (30.0690 dB) and 9 (29.0460 dB)
		assertThat(ReferenceImage.psnr(png(pattern(1, 0)), reference)).isCloseTo(48.1308, within(1e-4));
		assertThat(ReferenceImage.psnr(png(pattern(8, 0)), reference)).isGreaterThanOrEqualTo(ReferenceImage.MIN_PSNR_DB)
			.isCloseTo(30.0690, within(1e-4));
		assertThat(ReferenceImage.psnr(png(pattern(9, 0)), reference)).isLessThan(ReferenceImage.MIN_PSNR_DB)
			.isCloseTo(29.0460, within(1e-4));
	}

	@Test
	void anOffsetInOneChannelCountsOverAllThree() throws IOException {
		// only blue off by 12: MSE = 12² / 3 = 48, PSNR = 10·log10(255² / 48) = 31.3184 dB
		double psnr = ReferenceImage.psnr(png(pattern(0, 12)), png(pattern(0, 0)));
		assertThat(psnr).isCloseTo(10 * Math.log10(255.0 * 255.0 / 48.0), within(1e-9)).isCloseTo(31.3184,
				within(1e-4));
	}

	@Test
	void imagesOfAnotherSizeFail() throws IOException {
		BufferedImage image = pattern(0, 0);
		byte[] cropped = png(image.getSubimage(0, 0, WIDTH - 8, HEIGHT));
		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> ReferenceImage.psnr(cropped, png(image)))
			.withMessageContaining("width");
	}

	@Test
	void readsTheJobBesideThePngAsMakeReferenceWritesIt(@TempDir Path dir) throws IOException {
		Path png = dir.resolve("apple.png");
		Files.writeString(dir.resolve("apple.json"), """
				{
				  "prompt": "a red apple on a wooden table, photograph",
				  "negative_prompt": "blurry, low quality",
				  "seed": 42,
				  "scheduler": "dpm++2m-karras",
				  "steps": 20,
				  "guidance_scale": 7.5,
				  "width": 768,
				  "height": 512,
				  "rendered_by": {"model": "stable-diffusion-v1-5/stable-diffusion-v1-5", "diffusers": "0.36.0"}
				}
				""");
		ReferenceImage.Job job = ReferenceImage.readJob(png);
		assertThat(job).isEqualTo(new ReferenceImage.Job("a red apple on a wooden table, photograph",
				"blurry, low quality", 42, "dpm++2m-karras", 20, 7.5, 768, 512));
		assertThat(job.request()).isEqualTo(new RenderRequest("a red apple on a wooden table, photograph",
				"blurry, low quality", 768, 512, 20, 7.5, 42, 1, "dpm++2m-karras"));
	}

	@Test
	void aJobWithoutNegativePromptHasNone(@TempDir Path dir) throws IOException {
		Files.writeString(dir.resolve("r.json"), """
				{"prompt": "p", "negative_prompt": null, "seed": 1, "scheduler": "ddim", "steps": 4,
				 "guidance_scale": 1.0, "width": 512, "height": 512}
				""");
		assertThat(ReferenceImage.readJob(dir.resolve("r.png")).negativePrompt()).isNull();
	}

	@Test
	void aMissingFieldIsNamed(@TempDir Path dir) throws IOException {
		Files.writeString(dir.resolve("r.json"), """
				{"prompt": "p", "seed": 1, "scheduler": "ddim", "guidance_scale": 7.5, "width": 512, "height": 512}
				""");
		assertThatIllegalArgumentException().isThrownBy(() -> ReferenceImage.readJob(dir.resolve("r.png")))
			.withMessageContaining("r.json")
			.withMessageContaining("'steps' is missing");
		Files.writeString(dir.resolve("s.json"), "[1, 2]");
		assertThatIllegalArgumentException().isThrownBy(() -> ReferenceImage.readJob(dir.resolve("s.png")))
			.withMessageContaining("s.json: not a JSON object");
	}

	/**
	 * A test image whose channels stay within 50..200, so offsets up to ±40 never clip: red and green vary with the
	 * position, blue is constant; every channel moved by {@code offset}, blue by {@code blueOffset} more.
	 */
	private static BufferedImage pattern(int offset, int blueOffset) {
		BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < HEIGHT; y++) {
			for (int x = 0; x < WIDTH; x++) {
				int red = 50 + (x * 37 + y * 11) % 150 + offset;
				int green = 50 + (x * 5 + y * 29) % 150 + offset;
				int blue = 120 + offset + blueOffset;
				image.setRGB(x, y, (red << 16) | (green << 8) | blue);
			}
		}
		return image;
	}

	private static byte[] png(BufferedImage image) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ImageIO.write(image, "png", out);
		return out.toByteArray();
	}

}
