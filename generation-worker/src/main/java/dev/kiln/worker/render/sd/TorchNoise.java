package dev.kiln.worker.render.sd;

import java.util.ArrayList;
import java.util.List;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Standard-normal noise from PyTorch's own CPU generator, so a seed means what it means in diffusers: stream
 * {@code k} is what {@code torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed_k))} draws, call
 * after call, in float32. Kiln renders image {@code i} of a request from seed {@code seed + i}, as diffusers does
 * with {@code generator=[torch.Generator("cpu").manual_seed(seed + i) for i in range(n)]}: each image's initial
 * latents, then (ancestral samplers) one draw per step. {@link #shared} gives one stream for the whole batch, as
 * diffusers does with a single generator (its scheduler tests use {@code torch.manual_seed(0)}).
 * <p>
 * DJL reaches only PyTorch's global generator ({@code JniUtils.setSeed} is {@code torch::manual_seed}), so every
 * draw a render will make is made up front, each stream seeded and drawn in turn under one process-wide lock, and
 * kept on the CPU until used; nothing else in the worker draws from PyTorch's global generator. The noise is then
 * moved to the render's device, so a seed gives the same initial latents on CPU and GPU.
 */
final class TorchNoise implements NoiseSource, AutoCloseable {

	/** Guards PyTorch's process-wide generator between seeding it and drawing from it. */
	private static final Object GLOBAL_GENERATOR = new Object();

	private final long[] seeds;

	private final int draws;

	private final NDManager store;

	private final List<NDArray> drawn = new ArrayList<>();

	private int next;

	private TorchNoise(long[] seeds, int draws) {
		this.seeds = seeds.clone();
		this.draws = draws;
		this.store = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE);
	}

	/**
	 * One stream per image.
	 * @param seeds each image's seed, in batch order
	 * @param draws how many tensors will be drawn per render (latents, then one per ancestral step)
	 * @return the noise; close it after the render
	 */
	static TorchNoise perImage(long[] seeds, int draws) {
		return new TorchNoise(seeds, draws);
	}

	/**
	 * One stream for the whole batch.
	 * @param seed the seed
	 * @param draws how many tensors will be drawn
	 * @return the noise; close it after use
	 */
	static TorchNoise shared(long seed, int draws) {
		return new TorchNoise(new long[] { seed }, draws);
	}

	/**
	 * Draws from PyTorch's CPU generator seeded with {@code seed}: {@code torch.manual_seed(seed);
	 * [torch.randn(shape) for _ in range(draws)]}.
	 * @param manager where the tensors are made (any device; they are drawn on the CPU)
	 * @param seed the seed
	 * @param shape each tensor's shape
	 * @param draws how many
	 * @return float32 tensors on {@code manager}'s device
	 */
	static List<NDArray> randn(NDManager manager, long seed, Shape shape, int draws) {
		List<NDArray> result = new ArrayList<>(draws);
		try (NDManager cpu = NDManager.newBaseManager(Device.cpu(), TorchScriptModules.ENGINE)) {
			synchronized (GLOBAL_GENERATOR) {
				JniUtils.setSeed(seed);
				for (int i = 0; i < draws; i++) {
					result.add(cpu.randomNormal(0f, 1f, shape, DataType.FLOAT32));
				}
			}
			List<NDArray> moved = new ArrayList<>(draws);
			for (NDArray array : result) {
				NDArray there = array.toDevice(manager.getDevice(), true);
				there.attach(manager);
				moved.add(there);
			}
			return moved;
		}
	}

	@Override
	public NDArray next(NDManager manager, Shape shape) {
		int streams = this.seeds.length;
		if (shape.dimension() < 1 || shape.get(0) % streams != 0 || (streams > 1 && shape.get(0) != streams)) {
			throw new IllegalArgumentException("Noise shape " + shape + " does not fit " + streams + " streams");
		}
		if (this.drawn.isEmpty()) {
			Shape streamShape = (streams == 1) ? shape : new Shape(1).addAll(shape.slice(1));
			for (long seed : this.seeds) {
				this.drawn.add(NDArrays.concat(new NDList(randn(this.store, seed, streamShape, this.draws))
					.stream()
					.map((array) -> array.expandDims(0))
					.collect(NDList::new, NDList::add, NDList::addAll), 0));
			}
		}
		if (this.next >= this.draws) {
			throw new IllegalStateException("All " + this.draws + " noise draws of this render are used");
		}
		int index = this.next++;
		NDList parts = new NDList(streams);
		for (NDArray stream : this.drawn) {
			parts.add(stream.get(index));
		}
		NDArray noise = (streams == 1) ? parts.get(0) : NDArrays.concat(parts, 0);
		NDArray result = noise.reshape(shape).toDevice(manager.getDevice(), true);
		result.attach(manager);
		return result;
	}

	@Override
	public void close() {
		this.store.close();
	}

}
