package dev.kiln.worker.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The no-op model keeps the generator contract (sizes, image count, step callbacks, cancellation) at no cost. */
class NoopGeneratorTests {

	private final NoopGenerator generator = new NoopGenerator("noop");

	@Test
	void rendersOneGreyPngOfTheRequestedSizePerImage() throws IOException {
		RenderedImages images = this.generator.render(request(48, 32, 3, 2), StepListener.NONE);
		assertThat(images.pngs()).hasSize(2);
		assertThat(images.device()).isEqualTo("none");
		for (byte[] png : images.pngs()) {
			BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
			assertThat(image.getWidth()).isEqualTo(48);
			assertThat(image.getHeight()).isEqualTo(32);
			assertThat(image.getRGB(17, 9) & 0xFFFFFF).isEqualTo(0x808080);
		}
	}

	@Test
	void tellsTheListenerAfterEveryStep() {
		List<String> steps = new ArrayList<>();
		this.generator.render(request(8, 8, 4, 1), (step, total) -> steps.add(step + "/" + total));
		assertThat(steps).containsExactly("1/4", "2/4", "3/4", "4/4");
	}

	@Test
	void stopsWhenTheListenerCancels() {
		assertThatExceptionOfType(RenderCancelledException.class)
			.isThrownBy(() -> this.generator.render(request(8, 8, 10, 1), (step, total) -> {
				if (step == 2) {
					throw new RenderCancelledException("stopped at step " + step);
				}
			}));
	}

	@Test
	void handsOutCopiesSoACallerCannotSpoilTheCachedImage() {
		byte[] first = this.generator.render(request(8, 8, 1, 1), StepListener.NONE).pngs().get(0);
		first[first.length - 1] = 0;
		byte[] second = this.generator.render(request(8, 8, 1, 1), StepListener.NONE).pngs().get(0);
		assertThat(second[second.length - 1]).isNotEqualTo((byte) 0);
	}

	private static RenderRequest request(int width, int height, int steps, int images) {
		return new RenderRequest("a kiln", null, width, height, steps, 7.5, 42, images);
	}

}
