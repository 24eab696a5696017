package dev.kiln.worker.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

class InitImageTests {

	/**
	 * diffusers' {@code StableDiffusionImg2ImgPipeline.get_timesteps}: {@code init_timestep =
	 * min(int(num_inference_steps * strength), num_inference_steps)}, {@code t_start = max(num_inference_steps -
	 * init_timestep, 0)}; Python's {@code int()} truncates the double product as Java's cast does (10 × 0.3 is
	 * 3.0000000000000004, 10 × 0.29 is 2.9).
	 */
	@ParameterizedTest
	@CsvSource({ "50, 0.8, 40, 10", "10, 0.3, 3, 7", "10, 0.29, 2, 8", "10, 0.7, 7, 3", "3, 0.5, 1, 2",
			"25, 1.0, 25, 0", "10, 0.0, 0, 10", "4, 0.2, 0, 4" })
	void stepsRunAreThoseDiffusersGetTimestepsLeaves(int steps, double strength, int run, int start) {
		InitImage image = new InitImage(1, 1, new float[3], strength);
		assertThat(image.stepsRun(steps)).isEqualTo(run);
		assertThat(image.startStep(steps)).isEqualTo(start);
	}

	@Test
	void pixelsAreChannelMajorInMinusOneToOne() throws IOException {
		BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
		image.setRGB(0, 0, 0xff0080);
		image.setRGB(1, 0, 0x00ff00);
		ByteArrayOutputStream png = new ByteArrayOutputStream();
		ImageIO.write(image, "png", png);
		InitImage init = InitImage.decode(png.toByteArray(), 0.5);
		assertThat(init.width()).isEqualTo(2);
		assertThat(init.height()).isEqualTo(1);
		// R plane, G plane, B plane; 128 / 255 * 2 - 1
		assertThat(init.pixels()).containsExactly(new float[] { 1f, -1f, -1f, 1f, 128 / 255f * 2 - 1, -1f },
				within(1e-6f));
	}

	@Test
	void refusesWhatIsNoImageAndAStrengthOutsideZeroToOne() {
		assertThatIllegalArgumentException().isThrownBy(() -> InitImage.decode(new byte[] { 1, 2, 3 }, 0.5))
			.withMessageContaining("no readable image");
		assertThatIllegalArgumentException().isThrownBy(() -> new InitImage(1, 1, new float[3], 1.5))
			.withMessageContaining("strength");
	}

}
