package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import ai.djl.Device;
import dev.kiln.worker.render.BuiltinGenerator;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders with real traced Stable Diffusion modules from the folder named by {@code KILN_SD_MODEL_DIR} (layout in
 * the module README); skipped when it is unset. Optional: {@code KILN_SD_SCHEDULER} (default {@code ddim}),
 * {@code KILN_SD_STEPS} (default 20), {@code KILN_SD_OUTPUT} (a file to save the PNG to, for a look).
 */
class StableDiffusionRealModelTests {

	@Test
	void rendersAPictureWithRealModules() throws IOException {
		String location = System.getenv("KILN_SD_MODEL_DIR");
		Assumptions.assumeTrue(location != null && !location.isBlank(),
				"KILN_SD_MODEL_DIR is not set: no real Stable Diffusion modules here; set it to a folder holding"
						+ " text_encoder.pt, unet.pt, vae_decoder.pt and tokenizer.json to run this test");
		String scheduler = System.getenv().getOrDefault("KILN_SD_SCHEDULER", "ddim");
		int steps = Integer.parseInt(System.getenv().getOrDefault("KILN_SD_STEPS", "20"));
		Device device = BuiltinGenerator.pickDevice("auto");
		List<Integer> reported = new ArrayList<>();
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(Path.of(location), "sd-real", device,
				scheduler)) {
			RenderedImages images = generator.render(new RenderRequest("a red apple on a wooden table, photograph",
					"blurry, low quality", 512, 512, steps, 7.5, 42, 1), (step, total) -> reported.add(step));
			assertThat(images.pngs()).hasSize(1);
			byte[] png = images.pngs().get(0);
			String output = System.getenv("KILN_SD_OUTPUT");
			if (output != null && !output.isBlank()) {
				Files.write(Path.of(output), png);
			}
			BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
			assertThat(image.getWidth()).isEqualTo(512);
			assertThat(image.getHeight()).isEqualTo(512);
			assertThat(lumaStandardDeviation(image)).as("a picture, not a flat or blank image").isGreaterThan(10);
			assertThat(reported).isNotEmpty().startsWith(1);
		}
	}

	private static double lumaStandardDeviation(BufferedImage image) {
		double sum = 0;
		double squares = 0;
		int count = image.getWidth() * image.getHeight();
		for (int y = 0; y < image.getHeight(); y++) {
			for (int x = 0; x < image.getWidth(); x++) {
				int rgb = image.getRGB(x, y);
				double luma = 0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff);
				sum += luma;
				squares += luma * luma;
			}
		}
		double mean = sum / count;
		return Math.sqrt(Math.max(0, squares / count - mean * mean));
	}

}
