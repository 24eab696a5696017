package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.kiln.worker.render.RenderedImageAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The latent→RGB preview on latents whose colours can be worked out by hand: a cell holding 1 in channel c and 0
 * elsewhere is row c of the matrix (plus the bias), mapped by {@code round((clamp(x, −1, 1) + 1) · 127.5)}, as
 * ComfyUI's {@code latent_preview.py} maps it.
 */
class LatentPreviewTests {

	private NDManager manager;

	@BeforeEach
	void manager() {
		this.manager = NDManager.newBaseManager(TorchScriptModules.ENGINE);
	}

	@AfterEach
	void close() {
		this.manager.close();
	}

	/** One image, 1 × 4 cells: cell c is one-hot in channel c. */
	private NDArray oneHotCells(float value) {
		float[] values = new float[4 * 4];
		for (int c = 0; c < 4; c++) {
			values[c * 4 + c] = value;
		}
		return this.manager.create(values, new Shape(1, 4, 1, 4));
	}

	@Test
	void oneHotChannelsGiveTheRowsOfTheSd1Matrix() {
		int[] rgb = LatentPreview.SD1.rgb(oneHotCells(1f));
		// by hand: R of channel 0 is (1 + 0.3512) · 127.5 = 172.278 → 172, G (1 + 0.2297) · 127.5 = 156.79 → 157, ...
		assertThat(rgb).containsExactly(172, 157, 169, // 0.3512, 0.2297, 0.3227
				169, 191, 157, // 0.3250, 0.4974, 0.2350
				91, 150, 162, // −0.2829, 0.1762, 0.2721
				100, 94, 36); // −0.2120, −0.2616, −0.7177
	}

	@Test
	void theSdxlMatrixAddsItsBias() {
		// a zero latent is the bias alone: (1 + 0.1084) · 127.5 = 141.32, (1 − 0.0175) · 127.5 = 125.27,
		// (1 − 0.0011) · 127.5 = 127.36
		assertThat(LatentPreview.SDXL.rgb(this.manager.zeros(new Shape(1, 4, 1, 1)))).containsExactly(141, 125, 127);
		// row 0 + bias = 0.4735, 0.4057, 0.4330 → 187.87, 179.23, 182.71
		assertThat(LatentPreview.SDXL.rgb(oneHotCells(1f))).startsWith(188, 179, 183);
	}

	@Test
	void isLinearInTheLatentAndClampsToTheByteRange() {
		// 2 × row 1 = 0.65, 0.9948, 0.47 → 210.375, 254.34, 187.43
		assertThat(LatentPreview.SD1.rgb(oneHotCells(2f))).containsSequence(210, 254, 187);
		// 10 × row 1 is past 1 in every channel, 10 × row 3 past −1
		int[] clamped = LatentPreview.SD1.rgb(oneHotCells(10f));
		assertThat(clamped).containsSequence(255, 255, 255, 0, 255, 255, 0, 0, 0);
	}

	@Test
	void pngsAreTwiceTheLatentGridWithNearestNeighbourPixels() {
		float[] values = new float[2 * 4 * 2 * 3];
		// image 1, cell (row 1, column 2) holds 1 in channel 0; everything else 0 (SD1: mid-grey 128)
		values[1 * 24 + 0 * 6 + 1 * 3 + 2] = 1f;
		List<byte[]> pngs = LatentPreview.SD1.pngs(this.manager.create(values, new Shape(2, 4, 2, 3)));
		assertThat(pngs).hasSize(2);
		BufferedImage second = RenderedImageAssertions.decode(pngs.get(1));
		assertThat(second.getWidth()).isEqualTo(6);
		assertThat(second.getHeight()).isEqualTo(4);
		int grey = (128 << 16) | (128 << 8) | 128;
		int lit = (172 << 16) | (157 << 8) | 169;
		for (int y = 0; y < 4; y++) {
			for (int x = 0; x < 6; x++) {
				boolean inCell = y >= 2 && x >= 4;
				assertThat(second.getRGB(x, y) & 0xFFFFFF).as("pixel (%d, %d)", x, y).isEqualTo(inCell ? lit : grey);
			}
		}
		assertThat(RenderedImageAssertions.decode(pngs.get(0)).getRGB(5, 3) & 0xFFFFFF).isEqualTo(grey);
	}

	@Test
	void familiesPickTheirMatrixAndOtherChannelCountsHaveNone() {
		assertThat(LatentPreview.of("sd1", 4)).isEqualTo(LatentPreview.SD1);
		assertThat(LatentPreview.of("sd2", 4)).isEqualTo(LatentPreview.SD1);
		assertThat(LatentPreview.of("sdxl", 4)).isEqualTo(LatentPreview.SDXL);
		assertThat(LatentPreview.of("sd1", 16)).isNull();
		assertThatIllegalArgumentException().isThrownBy(() -> LatentPreview.SD1.rgb(this.manager.zeros(new Shape(1, 3, 2,
				2))))
			.withMessage("Latents must be (n, 4, h, w) for a SD1 preview but were (1, 3, 2, 2)");
	}

}
