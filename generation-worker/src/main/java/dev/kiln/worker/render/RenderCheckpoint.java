package dev.kiln.worker.render;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The state of one request's render after a step, from which a generator can carry on as if it had never stopped.
 * What {@code state} holds is the generator's business (the built-in model keeps its latents); the worker only stores
 * it and hands it back.
 *
 * @param step the steps already done, from 1
 * @param totalSteps the steps of the whole render
 * @param state the generator's state after {@code step}
 */
public record RenderCheckpoint(int step, int totalSteps, float[] state) {

	private static final int MAGIC = 0x4b434b50;

	private static final int VERSION = 1;

	public RenderCheckpoint {
		if (step < 1 || step > totalSteps) {
			throw new IllegalArgumentException("step must be between 1 and " + totalSteps + " but was " + step);
		}
	}

	/** A self-describing binary form: magic, version, step, total steps, state length, state (big-endian). */
	public byte[] toBytes() {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(20 + 4 * this.state.length);
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			out.writeInt(MAGIC);
			out.writeInt(VERSION);
			out.writeInt(this.step);
			out.writeInt(this.totalSteps);
			out.writeInt(this.state.length);
			for (float value : this.state) {
				out.writeFloat(value);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return bytes.toByteArray();
	}

	/**
	 * Reads the form written by {@link #toBytes()}.
	 * @param bytes the bytes
	 * @return the checkpoint
	 * @throws IllegalArgumentException when the bytes are not a checkpoint of this version
	 */
	public static RenderCheckpoint fromBytes(byte[] bytes) {
		try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
			if (in.readInt() != MAGIC || in.readInt() != VERSION) {
				throw new IllegalArgumentException("Not a version " + VERSION + " render checkpoint");
			}
			int step = in.readInt();
			int totalSteps = in.readInt();
			int length = in.readInt();
			if (length < 0 || (long) length * 4 != bytes.length - 20L) {
				throw new IllegalArgumentException("Render checkpoint is truncated or has trailing bytes");
			}
			float[] state = new float[length];
			for (int i = 0; i < length; i++) {
				state[i] = in.readFloat();
			}
			return new RenderCheckpoint(step, totalSteps, state);
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("Render checkpoint is truncated: " + ex.getMessage(), ex);
		}
	}

}
