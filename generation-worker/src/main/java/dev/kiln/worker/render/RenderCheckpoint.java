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
 * it, stamps it with the model that wrote it ({@code origin}), and hands it back only to that same model.
 *
 * @param step the steps already done, from 1
 * @param totalSteps the steps of the whole render
 * @param state the generator's state after {@code step}
 * @param origin what wrote it: the worker's description of the model (id, type, scheduler, location); empty when
 * unknown (a generator's own checkpoint before the worker stamps it, or a version 1 checkpoint, which had none)
 */
public record RenderCheckpoint(int step, int totalSteps, float[] state, String origin) {

	private static final int MAGIC = 0x4b434b50;

	/** Version 2 adds the origin; version 1 (no origin) is still read. */
	private static final int VERSION = 2;

	public RenderCheckpoint {
		if (step < 1 || step > totalSteps) {
			throw new IllegalArgumentException("step must be between 1 and " + totalSteps + " but was " + step);
		}
	}

	/**
	 * A checkpoint of unknown origin, as a generator hands it out.
	 * @param step the steps already done, from 1
	 * @param totalSteps the steps of the whole render
	 * @param state the generator's state after {@code step}
	 */
	public RenderCheckpoint(int step, int totalSteps, float[] state) {
		this(step, totalSteps, state, "");
	}

	/**
	 * The same checkpoint stamped with what wrote it.
	 * @param origin the model's description
	 * @return a copy with that origin
	 */
	public RenderCheckpoint withOrigin(String origin) {
		return new RenderCheckpoint(this.step, this.totalSteps, this.state, origin);
	}

	/**
	 * A self-describing binary form (big-endian): magic, version, origin (modified UTF-8 with a 2-byte length), step,
	 * total steps, state length, state.
	 */
	public byte[] toBytes() {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(22 + this.origin.length() + 4 * this.state.length);
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			out.writeInt(MAGIC);
			out.writeInt(VERSION);
			out.writeUTF(this.origin);
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
	 * Reads the form written by {@link #toBytes()}, or version 1's (no origin: read with an empty one).
	 * @param bytes the bytes
	 * @return the checkpoint
	 * @throws IllegalArgumentException when the bytes are not a checkpoint of a known version
	 */
	public static RenderCheckpoint fromBytes(byte[] bytes) {
		try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
			int magic = in.readInt();
			int version = in.readInt();
			if (magic != MAGIC || (version != 1 && version != VERSION)) {
				throw new IllegalArgumentException("Not a version 1 or " + VERSION + " render checkpoint");
			}
			String origin = (version == 1) ? "" : in.readUTF();
			int step = in.readInt();
			int totalSteps = in.readInt();
			int length = in.readInt();
			if (length < 0 || (long) length * 4 != in.available()) {
				throw new IllegalArgumentException("Render checkpoint is truncated or has trailing bytes");
			}
			float[] state = new float[length];
			for (int i = 0; i < length; i++) {
				state[i] = in.readFloat();
			}
			return new RenderCheckpoint(step, totalSteps, state, origin);
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("Render checkpoint is truncated: " + ex.getMessage(), ex);
		}
	}

}
