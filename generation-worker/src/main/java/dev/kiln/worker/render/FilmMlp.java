package dev.kiln.worker.render;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.jspecify.annotations.Nullable;

/**
 * A per-position MLP whose hidden layers are modulated by a conditioning vector (FiLM: {@code h·(1 + γ) + β}, with γ
 * and β computed from the condition). Inputs: features {@code (N, P, F)} and a condition {@code (N, D)}; output
 * {@code (N, P, outputs)}. The first layer may use a sine activation, which makes a coordinate network (CPPN) draw
 * smooth periodic patterns; the others use tanh.
 */
final class FilmMlp extends AbstractBlock {

	private static final byte VERSION = 1;

	private final int hidden;

	private final int layers;

	private final int outputs;

	private final boolean periodicInput;

	private final Linear input;

	private final Linear film;

	private final List<Linear> hiddenLayers = new ArrayList<>();

	private final Linear output;

	/**
	 * Creates the block.
	 * @param hidden the hidden width
	 * @param layers the number of modulated hidden layers (at least 1)
	 * @param outputs the output width
	 * @param periodicInput whether the first layer uses a sine activation
	 * @param seed the seed its parameters are derived from
	 * @param inputGain the weight gain of the first layer (times 1/√fan-in)
	 * @param filmGain the weight gain of the modulation layer
	 * @param outputGain the weight gain of the output layer
	 */
	FilmMlp(int hidden, int layers, int outputs, boolean periodicInput, long seed, double inputGain, double filmGain,
			double outputGain) {
		super(VERSION);
		this.hidden = hidden;
		this.layers = layers;
		this.outputs = outputs;
		this.periodicInput = periodicInput;
		this.input = addChildBlock("input", linear(hidden, seed + 1, inputGain, 0.5));
		this.film = addChildBlock("film", linear(2L * hidden * layers, seed + 2, filmGain, 0.0));
		for (int i = 1; i < layers; i++) {
			this.hiddenLayers.add(addChildBlock("hidden" + i, linear(hidden, seed + 2 + i, 1.2, 0.2)));
		}
		this.output = addChildBlock("output", linear(outputs, seed + 99, outputGain, 0.1));
	}

	/**
	 * A fully connected layer with seeded weights and biases.
	 * @param units the output width
	 * @param seed the seed
	 * @param weightGain the weights' standard deviation times √fan-in
	 * @param biasStd the biases' standard deviation; 0 for no bias
	 * @return the layer
	 */
	static Linear linear(long units, long seed, double weightGain, double biasStd) {
		boolean bias = biasStd > 0;
		Linear linear = Linear.builder().setUnits(units).optBias(bias).build();
		linear.setInitializer(new SeededInitializer(seed * 7919 + 1, weightGain, true), Parameter.Type.WEIGHT);
		if (bias) {
			linear.setInitializer(new SeededInitializer(seed * 7919 + 2, biasStd, false), Parameter.Type.BIAS);
		}
		return linear;
	}

	@Override
	protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
			@Nullable PairList<String, Object> params) {
		NDArray features = inputs.get(0);
		NDArray condition = inputs.get(1);
		NDList modulation = this.film.forward(parameterStore, new NDList(condition), training)
			.singletonOrThrow()
			.split(2L * this.layers, 1);
		NDArray h = this.input.forward(parameterStore, new NDList(features), training).singletonOrThrow();
		for (int layer = 0; layer < this.layers; layer++) {
			if (layer > 0) {
				h = this.hiddenLayers.get(layer - 1)
					.forward(parameterStore, new NDList(h), training)
					.singletonOrThrow();
			}
			NDArray gamma = modulation.get(2 * layer).expandDims(1);
			NDArray beta = modulation.get(2 * layer + 1).expandDims(1);
			h = h.mul(gamma.add(1f)).add(beta);
			h = (layer == 0 && this.periodicInput) ? h.sin() : h.tanh();
		}
		return this.output.forward(parameterStore, new NDList(h), training);
	}

	@Override
	public Shape[] getOutputShapes(Shape[] inputShapes) {
		Shape features = inputShapes[0];
		return new Shape[] { features.slice(0, features.dimension() - 1).add(this.outputs) };
	}

	@Override
	protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
		Shape hiddenShape = new Shape(1, 1, this.hidden);
		this.input.initialize(manager, dataType, inputShapes[0]);
		this.film.initialize(manager, dataType, inputShapes[1]);
		for (Linear layer : this.hiddenLayers) {
			layer.initialize(manager, dataType, hiddenShape);
		}
		this.output.initialize(manager, dataType, hiddenShape);
	}

}
