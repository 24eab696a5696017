package dev.kiln.worker.model;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.render.NoopGenerator;
import dev.kiln.worker.render.sd.ModelManifest;

import static org.assertj.core.api.Assertions.assertThat;

/** A job's clipSkip against the model's {@code maxClipSkip}: refused above it, before rendering. */
class ClipSkipRefusalTests {

	private static final WorkerProperties.Model CONFIG = new WorkerProperties.Model(
			WorkerProperties.ModelType.SD_TORCHSCRIPT, "file:/models/sd15", "cpu", null, null, null, null);

	@Test
	void aClipSkipUpToTheModelsMaxIsAccepted() {
		ServedModel model = model(11);
		assertThat(model.refusal(512, 512, 20, 1, null, false, null)).isNull();
		assertThat(model.refusal(512, 512, 20, 1, null, false, 1)).isNull();
		assertThat(model.refusal(512, 512, 20, 1, null, false, 11)).isNull();
	}

	@Test
	void aClipSkipAboveTheModelsMaxIsRefused() {
		assertThat(model(11).refusal(512, 512, 20, 1, null, false, 12))
			.isEqualTo("Model 'sd15' skips at most 11 text encoder layers; asked for clipSkip 12");
		assertThat(model(0).refusal(512, 512, 20, 1, null, false, 1))
			.isEqualTo("Model 'sd15' cannot skip text encoder layers; asked for clipSkip 1");
	}

	@Test
	void theOtherRefusalsStillApply() {
		assertThat(model(11).refusal(256, 256, 20, 1, null, false, 1)).contains("renders only the sizes");
		assertThat(model(11).refusal(512, 512, 20, 1, "lms", false, 1)).contains("does not render with scheduler 'lms'");
	}

	private static ServedModel model(int maxClipSkip) {
		ServedModel.Limits limits = new ServedModel.Limits("sd-torchscript", 512 * 512, 150, 4,
				List.of(new ModelManifest.Size(512, 512)), "sd1", "pndm", List.of("pndm", "ddim"), false, maxClipSkip);
		return new ServedModel("sd15", new NoopGenerator("sd15"), CONFIG, limits);
	}

}
