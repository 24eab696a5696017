package dev.kiln.worker.render;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.jspecify.annotations.Nullable;

/**
 * The built-in model: a small latent diffusion network made of DJL blocks.
 * <ul>
 * <li>{@code text_encoder}: a bias-free linear layer over a hashed bag of words, i.e. an embedding table of
 * {@link #VOCABULARY} × {@link #EMBEDDING} rows, pooled by the bag's weights.</li>
 * <li>{@code coordinates}: Fourier features of a position (random frequencies, then sine and cosine).</li>
 * <li>{@code denoiser}: for every latent position, predicts the clean latent from the position's Fourier features and
 * the current noisy latent, modulated (FiLM) by the prompt embedding, the timestep embedding and the image's style
 * vector (drawn from its seed). This is the block's {@link #forward forward pass}.</li>
 * <li>{@code decoder}: a coordinate network (CPPN) drawing each pixel from its Fourier features and the smoothly
 * upsampled latent, modulated by the prompt embedding and the style vector, like the VAE decoder of a latent
 * diffusion model.</li>
 * </ul>
 * Parameters are drawn from fixed seeds, so every materialised copy of the model is identical. The network is not
 * trained: its images are prompt- and seed-dependent abstract patterns.
 */
final class BuiltinNetwork extends AbstractBlock {

	private static final byte VERSION = 1;

	/** Hash buckets of the text encoder's vocabulary. */
	static final int VOCABULARY = 4096;

	/** Width of the prompt embedding. */
	static final int EMBEDDING = 64;

	/** Channels of the latent. */
	static final int LATENT_CHANNELS = 4;

	/** Pixels per latent position along each axis. */
	static final int LATENT_SCALE = 8;

	/** Random spatial frequencies of the coordinate encoder. */
	static final int FREQUENCIES = 16;

	/** Width of the coordinate features (sine and cosine per frequency). */
	static final int COORDINATE_FEATURES = 2 * FREQUENCIES;

	/** Width of the sinusoidal timestep embedding. */
	static final int TIME_FEATURES = 16;

	/** Width of the per-image style vector drawn from the seed. */
	static final int STYLE_FEATURES = 16;

	/**
	 * How strongly the denoiser reads the noisy latent relative to the positional features: enough that the noise
	 * shapes the details, not so much that the image looks like noise.
	 */
	private static final float LATENT_INPUT_SCALE = 0.3f;

	/** Weight of the style vector against the prompt embedding (unit variance) in the conditioning. */
	private static final float STYLE_SCALE = 1.5f;

	private static final int DENOISER_WIDTH = 64;

	private static final int DECODER_WIDTH = 32;

	private final Linear textEncoder;

	private final SequentialBlock coordinateEncoder;

	private final FilmMlp denoiser;

	private final FilmMlp decoder;

	BuiltinNetwork() {
		super(VERSION);
		this.textEncoder = addChildBlock("text_encoder", Linear.builder().setUnits(EMBEDDING).optBias(false).build());
		this.textEncoder.setInitializer(new SeededInitializer(101, 1.0, false), Parameter.Type.WEIGHT);
		Linear frequencies = Linear.builder().setUnits(FREQUENCIES).optBias(false).build();
		frequencies.setInitializer(new SeededInitializer(202, 0.4, false), Parameter.Type.WEIGHT);
		this.coordinateEncoder = addChildBlock("coordinates", new SequentialBlock().add(frequencies)
			.add(LambdaBlock.singleton(BuiltinNetwork::sinusoids, "sinusoids")));
		this.denoiser = addChildBlock("denoiser", new FilmMlp(DENOISER_WIDTH, 2, LATENT_CHANNELS, false, 1000, 2.5,
				0.6, 1.4));
		this.decoder = addChildBlock("decoder", new FilmMlp(DECODER_WIDTH, 2, 3, true, 2000, 1.5, 0.6, 2.5));
	}

	private static NDArray sinusoids(NDArray cycles) {
		NDArray angles = cycles.mul((float) (2 * Math.PI));
		return angles.sin().concat(angles.cos(), -1);
	}

	/**
	 * The shapes {@link #initialize} expects: bags {@code (1, VOCABULARY)}, coordinates {@code (1, 1, 2)}, latents
	 * {@code (1, 1, LATENT_CHANNELS)}, timestep embedding {@code (1, TIME_FEATURES)}, style
	 * {@code (1, STYLE_FEATURES)}.
	 * @return the input shapes of one example
	 */
	static Shape[] exampleInputShapes() {
		return new Shape[] { new Shape(1, VOCABULARY), new Shape(1, 1, 2), new Shape(1, 1, LATENT_CHANNELS),
				new Shape(1, TIME_FEATURES), new Shape(1, STYLE_FEATURES) };
	}

	/**
	 * Predicts the clean latent.
	 * @param parameterStore the parameter store
	 * @param inputs bags of words {@code (N, VOCABULARY)}, positions {@code (1, P, 2)}, noisy latents
	 * {@code (N, P, LATENT_CHANNELS)}, timestep embeddings {@code (N, TIME_FEATURES)}, style vectors
	 * {@code (N, STYLE_FEATURES)}
	 * @param training always {@code false}; the model is not trained
	 * @param params unused
	 * @return the predicted clean latents {@code (N, P, LATENT_CHANNELS)}
	 */
	@Override
	protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
			@Nullable PairList<String, Object> params) {
		NDArray latents = inputs.get(2);
		NDArray text = encodeText(parameterStore, inputs.get(0));
		NDArray positions = encodeCoordinates(parameterStore, inputs.get(1));
		NDArray features = positions.broadcast(latents.getShape().get(0), latents.getShape().get(1),
				COORDINATE_FEATURES)
			.concat(latents.mul(LATENT_INPUT_SCALE), -1);
		NDArray style = inputs.get(4).mul(STYLE_SCALE);
		NDArray condition = NDArrays.concat(new NDList(text, inputs.get(3), style), -1);
		return this.denoiser.forward(parameterStore, new NDList(features, condition), training);
	}

	/**
	 * Embeds prompts.
	 * @param parameterStore the parameter store
	 * @param bags bags of words {@code (N, VOCABULARY)}
	 * @return prompt embeddings {@code (N, EMBEDDING)}
	 */
	NDArray encodeText(ParameterStore parameterStore, NDArray bags) {
		return this.textEncoder.forward(parameterStore, new NDList(bags), false).singletonOrThrow();
	}

	private NDArray encodeCoordinates(ParameterStore parameterStore, NDArray positions) {
		return this.coordinateEncoder.forward(parameterStore, new NDList(positions), false).singletonOrThrow();
	}

	/**
	 * Draws pixels.
	 * @param parameterStore the parameter store
	 * @param positions pixel positions {@code (1, P, 2)}
	 * @param latents the latent upsampled to those pixels {@code (N, P, LATENT_CHANNELS)}
	 * @param text prompt embeddings {@code (N, EMBEDDING)}
	 * @param style style vectors {@code (N, STYLE_FEATURES)}
	 * @return RGB in [0, 1], {@code (N, P, 3)}
	 */
	NDArray decode(ParameterStore parameterStore, NDArray positions, NDArray latents, NDArray text, NDArray style) {
		NDArray features = encodeCoordinates(parameterStore, positions)
			.broadcast(latents.getShape().get(0), latents.getShape().get(1), COORDINATE_FEATURES)
			.concat(latents, -1);
		NDArray condition = text.concat(style.mul(STYLE_SCALE), -1);
		NDArray logits = this.decoder.forward(parameterStore, new NDList(features, condition), false)
			.singletonOrThrow();
		return Activation.sigmoid(logits);
	}

	@Override
	public Shape[] getOutputShapes(Shape[] inputShapes) {
		return new Shape[] { inputShapes[2] };
	}

	@Override
	protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
		Shape features = new Shape(1, 1, COORDINATE_FEATURES + LATENT_CHANNELS);
		this.textEncoder.initialize(manager, dataType, inputShapes[0]);
		this.coordinateEncoder.initialize(manager, dataType, inputShapes[1]);
		this.denoiser.initialize(manager, dataType, features, new Shape(1, EMBEDDING + TIME_FEATURES + STYLE_FEATURES));
		this.decoder.initialize(manager, dataType, features, new Shape(1, EMBEDDING + STYLE_FEATURES));
	}

}
