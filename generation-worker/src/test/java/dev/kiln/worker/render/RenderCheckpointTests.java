package dev.kiln.worker.render;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The checkpoint's stored form: it names the model that wrote it, and the older form without a name still reads. */
class RenderCheckpointTests {

	@Test
	void roundTripsStateAndOrigin() {
		RenderCheckpoint checkpoint = new RenderCheckpoint(4, 20, new float[] { 0.5f, -1.25f, 3e-8f })
			.withOrigin("sd15 sd-torchscript ddim s3://models/sd15/");

		RenderCheckpoint read = RenderCheckpoint.fromBytes(checkpoint.toBytes());

		assertThat(read.step()).isEqualTo(4);
		assertThat(read.totalSteps()).isEqualTo(20);
		assertThat(read.state()).containsExactly(0.5f, -1.25f, 3e-8f);
		assertThat(read.origin()).isEqualTo("sd15 sd-torchscript ddim s3://models/sd15/");
	}

	@Test
	void readsAVersion1CheckpointWithAnEmptyOrigin() {
		byte[] bytes = ByteBuffer.allocate(24).putInt(0x4b434b50).putInt(1).putInt(2).putInt(9).putInt(1).putFloat(7f)
			.array();

		RenderCheckpoint read = RenderCheckpoint.fromBytes(bytes);

		assertThat(read.step()).isEqualTo(2);
		assertThat(read.state()).containsExactly(7f);
		assertThat(read.origin()).isEmpty();
	}

	@Test
	void refusesTruncatedOrUnknownBytes() {
		byte[] bytes = new RenderCheckpoint(1, 2, new float[] { 1, 2 }).withOrigin("m").toBytes();
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RenderCheckpoint.fromBytes(Arrays.copyOf(bytes, bytes.length - 1)))
			.withMessageContaining("truncated");
		byte[] unknown = bytes.clone();
		unknown[7] = 9;
		assertThatIllegalArgumentException().isThrownBy(() -> RenderCheckpoint.fromBytes(unknown))
			.withMessageContaining("render checkpoint");
	}

}
