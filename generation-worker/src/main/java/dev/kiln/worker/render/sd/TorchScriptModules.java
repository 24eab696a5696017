package dev.kiln.worker.render.sd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ai.djl.Device;
import ai.djl.ModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import org.jspecify.annotations.Nullable;

/**
 * The traced TorchScript modules of a Stable Diffusion folder, loaded with DJL on the PyTorch engine, adapted to
 * {@link TextEncoder}, {@link UNet}, {@link VaeDecoder} and {@link VaeEncoder}: three, plus SDXL's
 * {@code text_encoder_2.pt} and the optional {@code vae_encoder.pt} (img2img). The modules are run through their blocks
 * directly
 * (inference mode, outputs in the caller's manager) rather than through predictors, so the pipeline owns every
 * tensor's lifetime.
 */
final class TorchScriptModules implements AutoCloseable {

	static final String ENGINE = "PyTorch";

	static final String TEXT_ENCODER = "text_encoder";

	static final String UNET = "unet";

	static final String VAE_DECODER = "vae_decoder";

	/** The VAE encoder, optional: a folder without it renders text-to-image only. */
	static final String VAE_ENCODER = "vae_encoder";

	/** SDXL's second text encoder. */
	static final String TEXT_ENCODER_2 = "text_encoder_2";

	private final ZooModel<NDList, NDList> textEncoder;

	private final @Nullable ZooModel<NDList, NDList> textEncoder2;

	private final ZooModel<NDList, NDList> unet;

	private final ZooModel<NDList, NDList> vaeDecoder;

	private final @Nullable ZooModel<NDList, NDList> vaeEncoder;

	private TorchScriptModules(ZooModel<NDList, NDList> textEncoder, @Nullable ZooModel<NDList, NDList> textEncoder2,
			ZooModel<NDList, NDList> unet, ZooModel<NDList, NDList> vaeDecoder,
			@Nullable ZooModel<NDList, NDList> vaeEncoder) {
		this.textEncoder = textEncoder;
		this.textEncoder2 = textEncoder2;
		this.unet = unet;
		this.vaeDecoder = vaeDecoder;
		this.vaeEncoder = vaeEncoder;
	}

	/**
	 * Loads {@code text_encoder.pt}, {@code unet.pt} and {@code vae_decoder.pt} from {@code directory}, and
	 * {@code text_encoder_2.pt} and {@code vae_encoder.pt} when the folder holds them.
	 * @param directory the model folder
	 * @param device the device to load onto; modules traced on another device are mapped to it
	 * @return the modules; close them to free their native memory
	 * @throws IOException when a module cannot be loaded
	 */
	static TorchScriptModules load(Path directory, Device device) throws IOException {
		List<ZooModel<NDList, NDList>> loaded = new ArrayList<>(3);
		try {
			for (String name : new String[] { TEXT_ENCODER, UNET, VAE_DECODER }) {
				loaded.add(loadModule(directory, name, device));
			}
			ZooModel<NDList, NDList> second = null;
			if (Files.isRegularFile(directory.resolve(TEXT_ENCODER_2 + ".pt"))) {
				second = loadModule(directory, TEXT_ENCODER_2, device);
				loaded.add(second);
			}
			ZooModel<NDList, NDList> encoder = null;
			if (Files.isRegularFile(directory.resolve(VAE_ENCODER + ".pt"))) {
				encoder = loadModule(directory, VAE_ENCODER, device);
				loaded.add(encoder);
			}
			return new TorchScriptModules(loaded.get(0), second, loaded.get(1), loaded.get(2), encoder);
		}
		catch (IOException | RuntimeException ex) {
			loaded.forEach(ZooModel::close);
			throw ex;
		}
	}

	private static ZooModel<NDList, NDList> loadModule(Path directory, String name, Device device)
			throws IOException {
		Path file = directory.resolve(name + ".pt");
		Criteria<NDList, NDList> criteria = Criteria.builder()
			.setTypes(NDList.class, NDList.class)
			.optModelPath(directory)
			.optModelName(name)
			.optEngine(ENGINE)
			.optDevice(device)
			.optOption("mapLocation", "true")
			.optTranslator(new NoopTranslator())
			.build();
		try {
			return criteria.loadModel();
		}
		catch (ModelException | RuntimeException ex) {
			throw new IOException("Could not load TorchScript module " + file + " on " + device + ": "
					+ ex.getMessage(), ex);
		}
	}

	/**
	 * The text encoder: its first output of shape {@code (1, 77, D)}, preferring output 1 as DJL's traced one. With
	 * clip skip, output 2 of an export that has it ({@link #skipped}).
	 */
	TextEncoder textEncoder() {
		return new TextEncoder() {

			@Override
			public NDArray encode(NDArray ids) {
				return encode(ids, 0);
			}

			@Override
			public NDArray encode(NDArray ids, int clipSkip) {
				NDList outputs = forward(TorchScriptModules.this.textEncoder, new NDList(ids));
				return keepOnly(outputs,
						(clipSkip == 0) ? tokenEmbedding(outputs) : skipped(TEXT_ENCODER, outputs, clipSkip)).get(0);
			}

		};
	}

	private static NDArray tokenEmbedding(NDList outputs) {
		if (outputs.size() > 1 && isTokenEmbedding(outputs.get(1))) {
			return outputs.get(1);
		}
		for (NDArray output : outputs) {
			if (isTokenEmbedding(output)) {
				return output;
			}
		}
		throw new IllegalStateException(TEXT_ENCODER + ".pt returned no (1, " + PromptTokenizer.LENGTH
				+ ", D) output; its outputs have shapes " + outputs.getShapes());
	}

	/**
	 * SDXL's second text encoder ({@code text_encoder_2.pt}: ids → (hidden, pooled)), or {@code null} when the folder
	 * has none.
	 */
	@Nullable TextEncoder textEncoder2() {
		ZooModel<NDList, NDList> model = this.textEncoder2;
		if (model == null) {
			return null;
		}
		return new TextEncoder() {

			@Override
			public NDArray encode(NDArray ids) {
				return encodeWithPooled(ids).get(0);
			}

			@Override
			public NDList encodeWithPooled(NDArray ids) {
				return encodeWithPooled(ids, 0);
			}

			@Override
			public NDArray encode(NDArray ids, int clipSkip) {
				return encodeWithPooled(ids, clipSkip).get(0);
			}

			@Override
			public NDList encodeWithPooled(NDArray ids, int clipSkip) {
				NDList outputs = forward(model, new NDList(ids));
				if (outputs.size() < 2 || !isTokenEmbedding(outputs.get(0)) || outputs.get(1).getShape().dimension() != 2) {
					throw new IllegalStateException(TEXT_ENCODER_2 + ".pt must return (hidden (1, " + PromptTokenizer.LENGTH
							+ ", D), pooled (1, P)) but returned shapes " + outputs.getShapes());
				}
				NDArray hidden = (clipSkip == 0) ? outputs.get(0) : skipped(TEXT_ENCODER_2, outputs, clipSkip);
				return keepOnly(outputs, hidden, outputs.get(1));
			}

		};
	}

	/** Frees the outputs not kept (the skipped states are large, and held until the render ends otherwise). */
	private static NDList keepOnly(NDList outputs, NDArray... kept) {
		List<NDArray> keep = List.of(kept);
		for (NDArray output : outputs) {
			if (keep.stream().noneMatch((array) -> array == output)) {
				output.close();
			}
		}
		return new NDList(kept);
	}

	/**
	 * The hidden state for clip skip {@code clipSkip} ≥ 1: entry {@code clipSkip} of the encoder's third output,
	 * {@code (K + 1, 1, 77, D)}, which {@code tools/export-model} traces as what diffusers' {@code encode_prompt}
	 * conditions on with {@code clip_skip} = k (SD 1.x/2.x: {@code final_layer_norm(hidden_states[-(k + 1)])}; SDXL:
	 * {@code hidden_states[-(k + 2)]}).
	 * @throws IllegalStateException when the module has no such output or fewer than {@code clipSkip + 1} entries
	 */
	private static NDArray skipped(String module, NDList outputs, int clipSkip) {
		NDArray states = (outputs.size() > 2) ? outputs.get(2) : null;
		Shape shape = (states != null) ? states.getShape() : null;
		if (states == null || shape.dimension() != 4 || shape.get(1) != 1 || shape.get(2) != PromptTokenizer.LENGTH
				|| shape.get(0) <= clipSkip) {
			throw new IllegalStateException(module + ".pt cannot skip " + clipSkip + " layers: it must return (hidden,"
					+ " pooled, skipped (K + 1, 1, " + PromptTokenizer.LENGTH + ", D)) with K >= " + clipSkip
					+ " but returned shapes " + outputs.getShapes() + "; export the model again with tools/export-model");
		}
		return states.get(clipSkip);
	}

	/** The UNet: its first output; SDXL's takes {@code text_embeds} and {@code time_ids} as two more inputs. */
	UNet unet() {
		return new UNet() {

			@Override
			public NDArray predict(NDArray latents, NDArray timestep, NDArray embeddings) {
				return forward(TorchScriptModules.this.unet, new NDList(latents, timestep, embeddings)).get(0);
			}

			@Override
			public NDArray predict(NDArray latents, NDArray timestep, NDArray embeddings, NDArray textEmbeds,
					NDArray timeIds) {
				return forward(TorchScriptModules.this.unet,
						new NDList(latents, timestep, embeddings, textEmbeds, timeIds))
					.get(0);
			}

		};
	}

	/** The VAE decoder, run one image at a time so memory stays that of one image; its first output. */
	VaeDecoder vaeDecoder() {
		return (latents) -> {
			long images = latents.getShape().get(0);
			if (images == 1) {
				return forward(this.vaeDecoder, new NDList(latents)).get(0);
			}
			NDList decoded = new NDList((int) images);
			for (NDArray image : latents.split(images, 0)) {
				decoded.add(forward(this.vaeDecoder, new NDList(image)).get(0));
			}
			return NDArrays.concat(decoded, 0);
		};
	}

	/**
	 * The VAE encoder ({@code vae_encoder.pt}: image → (mean, std)), run one image at a time, or {@code null} when the
	 * folder has none.
	 */
	@Nullable VaeEncoder vaeEncoder() {
		ZooModel<NDList, NDList> model = this.vaeEncoder;
		if (model == null) {
			return null;
		}
		return (images) -> {
			NDList means = new NDList();
			NDList stds = new NDList();
			for (NDArray image : images.split(images.getShape().get(0), 0)) {
				NDList outputs = forward(model, new NDList(image));
				if (outputs.size() < 2 || !outputs.get(0).getShape().equals(outputs.get(1).getShape())) {
					throw new IllegalStateException(VAE_ENCODER + ".pt must return (mean, std) of one shape but returned"
							+ " shapes " + outputs.getShapes());
				}
				means.add(outputs.get(0));
				stds.add(outputs.get(1));
			}
			return new NDList(NDArrays.concat(means, 0), NDArrays.concat(stds, 0));
		};
	}

	private static boolean isTokenEmbedding(NDArray array) {
		return array.getShape().dimension() == 3 && array.getShape().get(1) == PromptTokenizer.LENGTH;
	}

	private static NDList forward(ZooModel<NDList, NDList> model, NDList inputs) {
		return model.getBlock().forward(new ParameterStore(inputs.head().getManager(), false), inputs, false);
	}

	@Override
	public void close() {
		this.textEncoder.close();
		if (this.textEncoder2 != null) {
			this.textEncoder2.close();
		}
		this.unet.close();
		this.vaeDecoder.close();
		if (this.vaeEncoder != null) {
			this.vaeEncoder.close();
		}
	}

}
