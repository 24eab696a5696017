package dev.kiln.worker.job;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.ImageSize;
import dev.kiln.contract.ModelInfo;
import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.sd.ModelManifest;

import static org.assertj.core.api.Assertions.assertThat;

/** What the heartbeat announces of a model: its limits, and what its manifest says. */
class HeartbeatModelInfoTests {

	@Test
	void anExportedModelAnnouncesItsManifestsSizesFamilyAndSamplers() {
		ServedModel.Limits limits = new ServedModel.Limits("sd-torchscript", 512 * 768, 150, 4,
				List.of(new ModelManifest.Size(512, 512), new ModelManifest.Size(768, 512)), "sd1", "ddim",
				List.of("pndm", "ddim", "euler-ancestral"));
		assertThat(HeartbeatPublisher.modelInfo("sd15", limits)).isEqualTo(new ModelInfo("sd15", "sd-torchscript",
				393216, 150, 4, "sd1", List.of(new ImageSize(512, 512), new ImageSize(768, 512)), "ddim",
				List.of("pndm", "ddim", "euler-ancestral"), "Stable Diffusion (sd1), exported TorchScript"));
	}

	@Test
	void aModelWithoutAManifestAnnouncesItsLimitsOnly() {
		ServedModel.Limits limits = new ServedModel.Limits("builtin", 65536, 1000, 8, List.of(), null, null, List.of());
		assertThat(HeartbeatPublisher.modelInfo("kiln-builtin", limits))
			.isEqualTo(new ModelInfo("kiln-builtin", "builtin", 65536, 1000, 8, null, List.of(), null, List.of(),
					"renders abstract patterns from the prompt's words (offline built-in, not Stable Diffusion)"));
	}

}
