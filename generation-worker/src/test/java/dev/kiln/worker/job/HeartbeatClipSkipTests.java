package dev.kiln.worker.job;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.sd.ModelManifest;

import static org.assertj.core.api.Assertions.assertThat;

/** The heartbeat tells the gateway how many text encoder layers a model's jobs may skip. */
class HeartbeatClipSkipTests {

	@Test
	void aModelAnnouncesItsMaxClipSkip() {
		assertThat(HeartbeatPublisher.modelInfo("sd15", limits(11)).maxClipSkip()).isEqualTo(11);
		assertThat(HeartbeatPublisher.modelInfo("old", limits(0)).maxClipSkip()).isZero();
		ServedModel.Limits builtin = new ServedModel.Limits("builtin", 65536, 1000, 8, List.of(), null, null,
				List.of());
		assertThat(HeartbeatPublisher.modelInfo("kiln-builtin", builtin).maxClipSkip()).isZero();
	}

	private static ServedModel.Limits limits(int maxClipSkip) {
		return new ServedModel.Limits("sd-torchscript", 512 * 512, 150, 4, List.of(new ModelManifest.Size(512, 512)),
				"sd1", "pndm", List.of("pndm"), false, maxClipSkip);
	}

}
