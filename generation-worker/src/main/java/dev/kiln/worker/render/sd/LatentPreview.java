package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.kiln.worker.render.BatchingGenerator;
import org.jspecify.annotations.Nullable;

/**
 * A cheap preview of latents without the VAE: each latent cell's channels times a fixed per-family
 * {@code channels × 3} matrix, plus a bias, give its RGB in [−1, 1] (ComfyUI's "Latent2RGB" previewer: a linear fit of
 * the VAE decoder's output colour to the latent, {@code torch.nn.functional.linear(x0.movedim(0, -1), factorsᵀ, bias)}
 * in ComfyUI's {@code latent_preview.py}), then {@code (x + 1) · 127.5} rounded, clamped, to 8-bit. The factors apply
 * to the latents the UNet works on (already multiplied by the VAE scaling factor), ideally the predicted clean ones.
 * One small matmul over the latent grid: the preview is 1/8 of the image's side, drawn at {@value #UPSCALE}× that
 * with nearest-neighbour pixels (a quarter of the image's side, like the built-in model's previews).
 */
enum LatentPreview {

	/**
	 * SD 1.x and 2.x (one VAE). ComfyUI {@code comfy/latent_formats.py} {@code SD15.latent_rgb_factors}, commit
	 * 040a3243468ecefd1f2802592d90458f1ce4d65f; no bias. ComfyUI uses it for SD 2.x too ({@code comfy/supported_models.py}
	 * {@code SD20.latent_format = latent_formats.SD15}, commit 005e370254d42fcc07904b607b2354dc091f814f).
	 */
	SD1(new float[][] {
			// R, G, B
			{ 0.3512f, 0.2297f, 0.3227f },
			{ 0.3250f, 0.4974f, 0.2350f },
			{ -0.2829f, 0.1762f, 0.2721f },
			{ -0.2120f, -0.2616f, -0.7177f } }, new float[] { 0f, 0f, 0f }),

	/**
	 * SDXL's VAE. ComfyUI {@code comfy/latent_formats.py} {@code SDXL.latent_rgb_factors} and
	 * {@code SDXL.latent_rgb_factors_bias}, commit 040a3243468ecefd1f2802592d90458f1ce4d65f.
	 */
	SDXL(new float[][] {
			// R, G, B
			{ 0.3651f, 0.4232f, 0.4341f },
			{ -0.2533f, -0.0042f, 0.1068f },
			{ 0.1076f, 0.1111f, -0.0362f },
			{ -0.3165f, -0.2492f, -0.2188f } }, new float[] { 0.1084f, -0.0175f, -0.0011f });

	/** Preview pixels per latent cell along each side. */
	static final int UPSCALE = 2;

	private final float[][] factors;

	private final float[] bias;

	LatentPreview(float[][] factors, float[] bias) {
		this.factors = factors;
		this.bias = bias;
	}

	/**
	 * The preview for a model family.
	 * @param family a manifest family ({@code sd1}, {@code sd2} or {@code sdxl})
	 * @param latentChannels the model's latent channels
	 * @return the preview, or {@code null} when the family has none for that many channels (no previews)
	 */
	static @Nullable LatentPreview of(String family, int latentChannels) {
		LatentPreview preview = switch (family) {
			case "sd1", "sd2" -> SD1;
			case "sdxl" -> SDXL;
			default -> null;
		};
		return (preview != null && preview.channels() == latentChannels) ? preview : null;
	}

	/** The latent channels the matrix reads. */
	int channels() {
		return this.factors.length;
	}

	/**
	 * The preview colours of latents, at latent resolution.
	 * @param latents {@code (n, channels, h, w)}
	 * @return {@code (n, h, w, 3)} 8-bit values, row-major
	 */
	int[] rgb(NDArray latents) {
		Shape shape = latents.getShape();
		if (shape.dimension() != 4 || shape.get(1) != channels()) {
			throw new IllegalArgumentException(
					"Latents must be (n, " + channels() + ", h, w) for a " + name() + " preview but were " + shape);
		}
		NDManager manager = latents.getManager();
		try (NDManager scratch = manager.newSubManager()) {
			float[] flat = new float[channels() * 3];
			for (int c = 0; c < channels(); c++) {
				System.arraycopy(this.factors[c], 0, flat, c * 3, 3);
			}
			NDArray matrix = scratch.create(flat, new Shape(channels(), 3)).toDevice(latents.getDevice(), false);
			NDArray bias = scratch.create(this.bias).toDevice(latents.getDevice(), false);
			NDArray channelsLast = latents.toType(DataType.FLOAT32, false).transpose(0, 2, 3, 1);
			NDArray colour = channelsLast.matMul(matrix).add(bias).clip(-1f, 1f).add(1f).mul(127.5f).round();
			float[] values = colour.toFloatArray();
			int[] bytes = new int[values.length];
			for (int i = 0; i < values.length; i++) {
				bytes[i] = (int) values[i];
			}
			return bytes;
		}
	}

	/**
	 * PNG previews of latents, {@value #UPSCALE}× their grid with nearest-neighbour pixels.
	 * @param latents {@code (n, channels, h, w)}
	 * @return one PNG per row
	 */
	List<byte[]> pngs(NDArray latents) {
		Shape shape = latents.getShape();
		int[] rgb = rgb(latents);
		int images = (int) shape.get(0);
		int height = (int) shape.get(2);
		int width = (int) shape.get(3);
		List<byte[]> pngs = new ArrayList<>(images);
		int[] pixels = new int[width * UPSCALE * height * UPSCALE];
		for (int n = 0; n < images; n++) {
			for (int y = 0; y < height * UPSCALE; y++) {
				for (int x = 0; x < width * UPSCALE; x++) {
					int cell = 3 * ((n * height + y / UPSCALE) * width + x / UPSCALE);
					pixels[y * width * UPSCALE + x] = (rgb[cell] << 16) | (rgb[cell + 1] << 8) | rgb[cell + 2];
				}
			}
			BufferedImage image = new BufferedImage(width * UPSCALE, height * UPSCALE, BufferedImage.TYPE_INT_RGB);
			image.setRGB(0, 0, width * UPSCALE, height * UPSCALE, pixels, 0, width * UPSCALE);
			pngs.add(BatchingGenerator.png(image));
		}
		return pngs;
	}

}
