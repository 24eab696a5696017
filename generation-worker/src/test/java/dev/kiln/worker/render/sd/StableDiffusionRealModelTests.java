package dev.kiln.worker.render.sd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ai.djl.Device;
import dev.kiln.worker.render.BuiltinGenerator;
import dev.kiln.worker.render.RenderedImages;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders with a real exported Stable Diffusion model what diffusers rendered for the same job, and compares the two
 * images (PSNR at least {@link ReferenceImage#MIN_PSNR_DB}). Opt-in, skipped unless both are set:
 * <ul>
 * <li>{@code KILN_SD_MODEL_DIR}: a folder tools/export-model wrote (or one in the layout of the module README);</li>
 * <li>{@code KILN_SD_REFERENCE}: the PNG tools/export-model/make_reference.py wrote from the same model, with its
 * job (prompt, negative prompt, seed, scheduler, steps, guidance, size) in the JSON file beside it.</li>
 * </ul>
 * Optional: {@code KILN_SD_OUTPUT}, a file to save Kiln's PNG to, for a look.
 */
class StableDiffusionRealModelTests {

	@Test
	void rendersWhatDiffusersRendersForTheSameJob() throws IOException {
		String location = System.getenv("KILN_SD_MODEL_DIR");
		String reference = System.getenv("KILN_SD_REFERENCE");
		Assumptions.assumeTrue(location != null && !location.isBlank(),
				"KILN_SD_MODEL_DIR is not set: no real Stable Diffusion model here; set it to a folder export.py"
						+ " wrote, and KILN_SD_REFERENCE to a PNG make_reference.py rendered from the same model");
		Assumptions.assumeTrue(reference != null && !reference.isBlank(),
				"KILN_SD_REFERENCE is not set: set it to a PNG tools/export-model/make_reference.py rendered with"
						+ " diffusers (its job in the .json beside it)");
		Path png = Path.of(reference);
		ReferenceImage.Job job = ReferenceImage.readJob(png);
		byte[] expected = Files.readAllBytes(png);
		Device device = BuiltinGenerator.pickDevice("auto");
		List<Integer> reported = new ArrayList<>();
		try (StableDiffusionGenerator generator = StableDiffusionGenerator.load(Path.of(location), "sd-real", device,
				job.scheduler())) {
			RenderedImages images = generator.render(job.request(), (step, total) -> reported.add(step));
			assertThat(images.pngs()).hasSize(1);
			byte[] actual = images.pngs().get(0);
			String output = System.getenv("KILN_SD_OUTPUT");
			if (output != null && !output.isBlank()) {
				Files.write(Path.of(output), actual);
			}
			assertThat(ReferenceImage.psnr(actual, expected))
				.as("PSNR (dB) of Kiln's render of %s against diffusers' %s", job, png)
				.isGreaterThanOrEqualTo(ReferenceImage.MIN_PSNR_DB);
			assertThat(reported).isNotEmpty().startsWith(1).endsWith(job.steps());
		}
	}

}
