package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.kiln.worker.render.BatchingGenerator;
import dev.kiln.worker.render.InitImage;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderMonitor;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;
import dev.kiln.worker.render.StepListener;
import org.jspecify.annotations.Nullable;

/**
 * Stable Diffusion 1.x/2.x from traced TorchScript modules, run with DJL on the PyTorch engine. A model folder holds
 * {@code text_encoder.pt}, {@code unet.pt}, {@code vae_decoder.pt} (the tensor contracts of DJL's published traced
 * modules) and CLIP's {@code tokenizer.json}; an optional diffusers {@code scheduler_config.json} may set
 * {@code "prediction_type": "v_prediction"} (SD 2.x 768² models), otherwise the UNet predicts noise.
 * <p>
 * SDXL folders (manifest family {@code sdxl}) add {@code text_encoder_2.pt} and {@code tokenizer_2.json}: both
 * encoders' hidden states are concatenated, and the UNet also takes the second encoder's pooled {@code text_embeds}
 * and the {@code time_ids} {@code [H, W, 0, 0, H, W]} ({@link PromptEncoder}, {@link #timeIds}). Prompts longer than 75
 * tokens are encoded in 77-token chunks, never cut ({@link PromptEncoder}).
 * <p>
 * A render tokenizes and encodes the prompt and the negative prompt (the empty string when there is none, or zeros
 * for SDXL with {@code force_zeros_for_empty_prompt}), draws
 * each image's latent noise {@code (4, H/8, W/8)} from PyTorch's generator seeded with its own seed ({@code seed + i}
 * for image {@code i}; {@link TorchNoise}: diffusers' latents for that seed), then for each scheduler timestep runs
 * the UNet once over the whole batch: every image's latents with its prompt, then again the latents of the images
 * whose guidance scale exceeds 1 with their negative prompts. Those combine by classifier-free guidance
 * ({@code uncond + g·(cond − uncond)}); an image at guidance ≤ 1 takes its conditional prediction alone, as diffusers
 * does ({@code do_classifier_free_guidance = guidance_scale > 1}). Then the scheduler steps; finally it decodes
 * latents ÷ 0.18215 with the VAE, maps {@code x/2 + 0.5} clipped to [0, 1] to 8-bit RGB and encodes PNGs.
 * Schedulers: see {@link SchedulerType}, with the manifest's timestep spacing. The listener hears of each of the
 * request's {@code steps} once; PNDM's extra first evaluation (its second-order start) is reported together with the
 * one after it.
 * <p>
 * Several requests of the same width, height and steps render together ({@link #batches()}): each image of each
 * request is one row of the batch, with its own prompts, guidance scale and seed, and comes out as it would alone
 * (up to the rounding differences of batched kernels). Renders hand out checkpoints when the monitor asks and resume
 * from them ({@link #resumable()}): a resumed render continues exactly where the interrupted one stopped. After the
 * steps the monitor asks for, each request's first image is previewed without the VAE: the clean latents the step's
 * prediction implies, through the family's latent→RGB matrix ({@link LatentPreview}).
 * <p>
 * Thread safety: the render methods and {@link #close} are synchronized, so one instance renders one batch at a time.
 */
public final class StableDiffusionGenerator extends BatchingGenerator {

	/** The text encoder module file. */
	public static final String TEXT_ENCODER_FILE = TorchScriptModules.TEXT_ENCODER + ".pt";

	/** The UNet module file. */
	public static final String UNET_FILE = TorchScriptModules.UNET + ".pt";

	/** The VAE decoder module file. */
	public static final String VAE_DECODER_FILE = TorchScriptModules.VAE_DECODER + ".pt";

	/** CLIP's tokenizer, Hugging Face format. */
	public static final String TOKENIZER_FILE = "tokenizer.json";

	/** SDXL's second tokenizer (OpenCLIP bigG's, padding with {@code !}). */
	public static final String TOKENIZER_2_FILE = "tokenizer_2.json";

	/** The manifest family of Stable Diffusion XL. */
	static final String SDXL = "sdxl";

	/** Optional diffusers scheduler configuration; only {@code prediction_type} is read. */
	public static final String SCHEDULER_CONFIG_FILE = "scheduler_config.json";

	/** The VAE's latent scaling factor for SD 1.x and 2.x. */
	static final float VAE_SCALING = 0.18215f;

	static final int LATENT_CHANNELS = 4;

	/** Pixels per latent cell along each side. */
	static final int LATENT_SCALE = 8;

	/** Image sides must be multiples of this: the UNet halves the latent grid three times. */
	static final int SIZE_MULTIPLE = 64;

	static final int MIN_SIZE = 64;

	static final int MAX_SIZE = 2048;

	static final int MAX_IMAGES = 8;

	/** Most images, over all requests, in one pass. */
	static final int MAX_BATCH_IMAGES = 64;

	private final String modelId;

	private final Device device;

	private final PromptEncoder prompts;

	private final UNet unet;

	private final VaeDecoder vaeDecoder;

	private final @Nullable VaeEncoder vaeEncoder;

	private final SchedulerType scheduler;

	private final PredictionType prediction;

	private final float vaeScaling;

	private final int latentChannels;

	private final @Nullable DataType vaeType;

	private final NoiseSchedule noiseSchedule;

	private final @Nullable LatentPreview preview;

	private final List<AutoCloseable> resources;

	StableDiffusionGenerator(String modelId, Device device, PromptTokenizer tokenizer, TextEncoder textEncoder,
			UNet unet, VaeDecoder vaeDecoder, SchedulerType scheduler, PredictionType prediction,
			List<AutoCloseable> resources) {
		this(modelId, device, tokenizer, textEncoder, unet, vaeDecoder, scheduler, prediction, VAE_SCALING,
				LATENT_CHANNELS, null, NoiseSchedule.STABLE_DIFFUSION, LatentPreview.SD1, resources);
	}

	/**
	 * A generator over the given parts.
	 * @param vaeScaling latents are divided by it before decoding
	 * @param latentChannels latent channels
	 * @param vaeType the VAE decoder's input type, or {@code null} for the text encoder's
	 * @param noiseSchedule the training noise schedule and timestep spacing
	 * @param preview the family's latent→RGB preview, or {@code null} to draw no previews
	 */
	StableDiffusionGenerator(String modelId, Device device, PromptTokenizer tokenizer, TextEncoder textEncoder,
			UNet unet, VaeDecoder vaeDecoder, SchedulerType scheduler, PredictionType prediction, float vaeScaling,
			int latentChannels, @Nullable DataType vaeType, NoiseSchedule noiseSchedule,
			@Nullable LatentPreview preview, List<AutoCloseable> resources) {
		this(modelId, device, PromptEncoder.single(tokenizer, textEncoder), unet, vaeDecoder, scheduler, prediction,
				vaeScaling, latentChannels, vaeType, noiseSchedule, preview, resources);
	}

	/**
	 * A generator over the given parts.
	 * @param prompts the text encoder(s): one for SD 1.x/2.x, two for SDXL (whose UNet then takes the added
	 * conditions)
	 */
	StableDiffusionGenerator(String modelId, Device device, PromptEncoder prompts, UNet unet, VaeDecoder vaeDecoder,
			SchedulerType scheduler, PredictionType prediction, float vaeScaling, int latentChannels,
			@Nullable DataType vaeType, NoiseSchedule noiseSchedule, @Nullable LatentPreview preview,
			List<AutoCloseable> resources) {
		this(modelId, device, prompts, unet, vaeDecoder, null, scheduler, prediction, vaeScaling, latentChannels,
				vaeType, noiseSchedule, preview, resources);
	}

	/**
	 * A generator over the given parts.
	 * @param vaeEncoder the VAE encoder, or {@code null} to render text-to-image only
	 */
	StableDiffusionGenerator(String modelId, Device device, PromptEncoder prompts, UNet unet, VaeDecoder vaeDecoder,
			@Nullable VaeEncoder vaeEncoder, SchedulerType scheduler, PredictionType prediction, float vaeScaling,
			int latentChannels, @Nullable DataType vaeType, NoiseSchedule noiseSchedule,
			@Nullable LatentPreview preview, List<AutoCloseable> resources) {
		this.vaeEncoder = vaeEncoder;
		this.modelId = modelId;
		this.device = device;
		this.prompts = prompts;
		this.unet = unet;
		this.vaeDecoder = vaeDecoder;
		this.scheduler = scheduler;
		this.prediction = prediction;
		this.vaeScaling = vaeScaling;
		this.latentChannels = latentChannels;
		this.vaeType = vaeType;
		this.noiseSchedule = noiseSchedule;
		this.preview = (preview != null && preview.channels() == latentChannels) ? preview : null;
		this.resources = List.copyOf(resources);
	}

	/**
	 * Loads a Stable Diffusion model folder and checks it with a one-step render (at the manifest's smallest size, or
	 * 64 × 64 without one), so a folder whose modules do not honour the expected tensor contracts fails here rather
	 * than on a job. With a {@value ModelManifest#FILE} ({@link ModelManifest}) the prediction type, VAE scaling
	 * factor, latent channels, VAE type and default scheduler come from it (checking the files' sha256 is the
	 * registry's work); without one, the defaults of SD 1.x and {@code scheduler_config.json}'s prediction type.
	 * @param directory the folder holding {@code text_encoder.pt}, {@code unet.pt}, {@code vae_decoder.pt} and
	 * {@code tokenizer.json} (and optionally {@code scheduler_config.json})
	 * @param modelId the model id this generator serves
	 * @param device the device to load onto, for example from
	 * {@link dev.kiln.worker.render.BuiltinGenerator#pickDevice(String)}
	 * @param scheduler a {@link SchedulerType} name such as {@code ddim} (case-insensitive); {@code null} for the
	 * manifest's default, or {@code pndm} without a manifest
	 * @return the generator; close it to free its native memory
	 * @throws IllegalArgumentException for an unknown scheduler name
	 * @throws FileNotFoundException when the folder or one of its required files is missing
	 * @throws IOException when a file cannot be read or loaded, or the modules fail the check render
	 */
	public static StableDiffusionGenerator load(Path directory, String modelId, Device device,
			@Nullable String scheduler) throws IOException {
		if (scheduler != null) {
			SchedulerType.of(scheduler);
		}
		if (!Files.isDirectory(directory)) {
			throw new FileNotFoundException("Stable Diffusion model directory " + directory + " does not exist");
		}
		ModelManifest manifest = ModelManifest.present(directory)
				? ModelManifest.read(directory.resolve(ModelManifest.FILE)) : null;
		List<String> required = (manifest != null) ? manifest.requiredFiles()
				: List.of(TEXT_ENCODER_FILE, UNET_FILE, VAE_DECODER_FILE, TOKENIZER_FILE);
		for (String file : required) {
			if (!Files.isRegularFile(directory.resolve(file))) {
				throw new FileNotFoundException("Stable Diffusion model directory " + directory + " holds no " + file
						+ "; it needs " + String.join(", ", required.subList(0, required.size() - 1)) + " and "
						+ required.get(required.size() - 1));
			}
		}
		SchedulerType type = SchedulerType.of((scheduler != null) ? scheduler
				: (manifest != null) ? manifest.defaultScheduler() : SchedulerType.PNDM.configName());
		PredictionType prediction = (manifest != null) ? PredictionType.of(manifest.predictionType())
				: predictionType(directory.resolve(SCHEDULER_CONFIG_FILE));
		if (manifest != null) {
			checkSupported(directory, manifest, type);
		}
		ModelManifest.Size check = (manifest != null) ? smallest(manifest.sizes()) : new ModelManifest.Size(MIN_SIZE,
				MIN_SIZE);
		boolean sdxl = manifest != null && manifest.family().equals(SDXL);
		List<AutoCloseable> resources = new ArrayList<>();
		TorchScriptModules modules;
		PromptEncoder prompts;
		try {
			ClipTokenizer tokenizer = ClipTokenizer.load(directory.resolve(TOKENIZER_FILE));
			resources.add(tokenizer);
			ClipTokenizer tokenizer2 = sdxl ? ClipTokenizer.load(directory.resolve(TOKENIZER_2_FILE)) : null;
			if (tokenizer2 != null) {
				resources.add(tokenizer2);
			}
			modules = TorchScriptModules.load(directory, device);
			resources.add(0, modules);
			TextEncoder textEncoder2 = modules.textEncoder2();
			if (sdxl && (tokenizer2 == null || textEncoder2 == null)) {
				throw new FileNotFoundException("SDXL model directory " + directory + " holds no "
						+ TorchScriptModules.TEXT_ENCODER_2 + ".pt");
			}
			int maxClipSkip = (manifest != null) ? manifest.maxClipSkip() : 0;
			prompts = (tokenizer2 != null && textEncoder2 != null)
					? PromptEncoder.sdxl(new PromptEncoder.Stage(tokenizer, modules.textEncoder()),
							new PromptEncoder.Stage(tokenizer2, textEncoder2), manifest.forceZerosForEmptyPrompt(),
							maxClipSkip)
					: PromptEncoder.single(tokenizer, modules.textEncoder(), maxClipSkip);
		}
		catch (IOException | RuntimeException ex) {
			closeAll(resources, ex);
			throw ex;
		}
		StableDiffusionGenerator generator = (manifest == null)
				? new StableDiffusionGenerator(modelId, device, prompts, modules.unet(), modules.vaeDecoder(),
						modules.vaeEncoder(), type, prediction, VAE_SCALING, LATENT_CHANNELS, null, NoiseSchedule.STABLE_DIFFUSION,
						LatentPreview.SD1, resources)
				: new StableDiffusionGenerator(modelId, device, prompts, modules.unet(), modules.vaeDecoder(),
						modules.vaeEncoder(), type, prediction, (float) manifest.vaeScalingFactor(), manifest.latentChannels(),
						dataType(manifest.vaeDtype()),
						NoiseSchedule.STABLE_DIFFUSION.withSpacing(NoiseSchedule.Spacing.of(manifest.timestepSpacing()),
								NoiseSchedule.STABLE_DIFFUSION.stepsOffset()),
						LatentPreview.of(manifest.family(), manifest.latentChannels()), resources);
		try {
			// guided, so the check runs the usual doubled batch; from an init image when the folder has a VAE encoder,
			// so that it is checked too, and at the deepest clip skip the manifest promises
			InitImage grey = generator.imageToImage() ? new InitImage(check.width(), check.height(),
					new float[3 * check.width() * check.height()], 1.0) : null;
			int skip = generator.maxClipSkip();
			generator.render(new RenderRequest("", null, check.width(), check.height(), 1, 7.5, 0, 1, null, grey,
					(skip > 0) ? skip : null), StepListener.NONE);
		}
		catch (RuntimeException ex) {
			generator.close();
			throw new IOException("The modules in " + directory + " failed a one-step " + check + " check render ("
					+ ex.getMessage() + "); they must follow the tensor contracts of tools/export-model (or of DJL's"
					+ " traced Stable Diffusion modules)", ex);
		}
		return generator;
	}

	/** What this pipeline does not render yet, refused at start-up with the field that asks for it. */
	private static void checkSupported(Path directory, ModelManifest manifest, SchedulerType scheduler)
			throws IOException {
		String file = directory.resolve(ModelManifest.FILE).toString();
		if (scheduler == SchedulerType.PNDM && !manifest.timestepSpacing().equals("leading")) {
			throw new IOException(file + ": timestep_spacing '" + manifest.timestepSpacing() + "' is rendered with"
					+ " ddim or euler-ancestral; this worker's pndm supports only 'leading'");
		}
	}

	private static void closeAll(List<AutoCloseable> resources, Exception failure) {
		for (AutoCloseable resource : resources) {
			try {
				resource.close();
			}
			catch (Exception ex) {
				failure.addSuppressed(ex);
			}
		}
	}

	private static ModelManifest.Size smallest(List<ModelManifest.Size> sizes) {
		ModelManifest.Size smallest = sizes.get(0);
		for (ModelManifest.Size size : sizes) {
			if ((long) size.width() * size.height() < (long) smallest.width() * smallest.height()) {
				smallest = size;
			}
		}
		return smallest;
	}

	private static DataType dataType(String dtype) {
		return dtype.equals("fp16") ? DataType.FLOAT16 : DataType.FLOAT32;
	}

	/**
	 * Reads {@code prediction_type} from a diffusers scheduler configuration.
	 * @param file the configuration; when missing the UNet is taken to predict noise
	 * @return the prediction type
	 * @throws IOException when the file is unreadable, not JSON, or names an unknown type
	 */
	static PredictionType predictionType(Path file) throws IOException {
		if (!Files.isRegularFile(file)) {
			return PredictionType.EPSILON;
		}
		try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			JsonElement json = JsonParser.parseReader(reader);
			JsonElement type = json.isJsonObject() ? json.getAsJsonObject().get("prediction_type") : null;
			if (type == null || type.isJsonNull()) {
				return PredictionType.EPSILON;
			}
			return PredictionType.of(type.getAsString());
		}
		catch (JsonParseException | IllegalArgumentException | UnsupportedOperationException
				| IllegalStateException ex) {
			throw new IOException(file + " is not a valid scheduler configuration: " + ex.getMessage(), ex);
		}
	}

	/**
	 * The samplers a model can render with.
	 * @param manifest its manifest, or {@code null}
	 * @return the configuration names of the samplers
	 */
	public static List<String> schedulers(@Nullable ModelManifest manifest) {
		return Arrays.stream(SchedulerType.values())
			.filter((type) -> type.offered(SchedulerType.of((manifest != null) ? manifest.defaultScheduler() : "pndm")))
			.filter((type) -> manifest == null || type != SchedulerType.PNDM
					|| manifest.timestepSpacing().equals("leading"))
			.map(SchedulerType::configName)
			.toList();
	}

	/**
	 * The samplers a job may choose for this model: those {@link SchedulerType#offered} for its default sampler, PNDM
	 * only with "leading" timesteps.
	 * @return the configuration names of the samplers
	 */
	public List<String> schedulers() {
		return Arrays.stream(SchedulerType.values())
			.filter((type) -> offered(type))
			.map(SchedulerType::configName)
			.toList();
	}

	private boolean offered(SchedulerType type) {
		return type.offered(this.scheduler)
				&& (type != SchedulerType.PNDM || this.noiseSchedule.spacing() == NoiseSchedule.Spacing.LEADING);
	}

	/** The sampler a pass renders with: the one its requests name (all the same), else the model's default. */
	private SchedulerType scheduler(List<RenderRequest> requests) {
		String name = requests.get(0).scheduler();
		for (RenderRequest request : requests) {
			if (!Objects.equals(request.scheduler(), name)) {
				throw new IllegalArgumentException("Requests rendered together must share the scheduler; got "
						+ name + " and " + request.scheduler());
			}
		}
		if (name == null) {
			return this.scheduler;
		}
		SchedulerType type = SchedulerType.of(name);
		if (!offered(type)) {
			throw new IllegalArgumentException("Model '" + this.modelId + "' does not render with scheduler '" + name
					+ "'; its schedulers: " + String.join(", ", schedulers()));
		}
		return type;
	}

	@Override
	public String modelId() {
		return this.modelId;
	}

	@Override
	public String device() {
		return this.device.toString();
	}

	/** Renders from an init image when the folder has a VAE encoder ({@code vae_encoder.pt}). */
	@Override
	public boolean imageToImage() {
		return this.vaeEncoder != null;
	}

	/**
	 * The most text encoder layers a job may skip ({@link RenderRequest#clipSkip()}): the manifest's
	 * {@code max_clip_skip}, 0 when the model cannot skip.
	 */
	public int maxClipSkip() {
		return this.prompts.maxClipSkip();
	}

	/** The sampler this generator uses. */
	public String scheduler() {
		return this.scheduler.configName();
	}

	/**
	 * Renders requests of the same width, height and steps together: every image of every request is one row of the
	 * UNet batch, with its own prompt, negative prompt, guidance scale and seed. When the monitor asks after a step,
	 * hands out each request's checkpoint: its latents followed by the sampler's kept state for its rows (PNDM's last
	 * noise predictions). A request resumed from such a checkpoint renders alone.
	 */
	@Override
	public synchronized List<RenderedImages> render(List<RenderRequest> requests,
			List<@Nullable RenderCheckpoint> resumeFrom, RenderMonitor monitor) {
		return renderAll(requests, resumeFrom, monitor);
	}

	private List<RenderedImages> renderAll(List<RenderRequest> requests, List<@Nullable RenderCheckpoint> resumeFrom,
			RenderMonitor monitor) {
		checkOpen();
		RenderRequest first = validate(requests, resumeFrom);
		SchedulerType scheduler = scheduler(requests);
		RenderCheckpoint checkpoint = resumeFrom.get(0);
		long start = System.nanoTime();
		int width = first.width();
		int height = first.height();
		int steps = first.steps();
		InitImage firstInit = first.initImage();
		// img2img: the last stepsRun steps, from evaluation firstStep on (diffusers' get_timesteps; order 1)
		int firstStep = (firstInit != null) ? firstInit.startStep(steps) : 0;
		int stepsRun = steps - firstStep;
		int[] offsets = imageOffsets(requests);
		int images = offsets[requests.size()];
		long[] seeds = new long[images];
		float[] guidance = new float[images];
		try (NDManager manager = NDManager.newBaseManager(this.device, TorchScriptModules.ENGINE)) {
			List<PromptEncoder.Text> texts = new ArrayList<>(2 * requests.size());
			for (RenderRequest request : requests) {
				// diffusers' encode_prompt skips layers for the prompt only, never for the negative prompt
				texts.add(new PromptEncoder.Text(request.prompt(), (request.clipSkip() != null) ? request.clipSkip() : 0));
				texts.add(new PromptEncoder.Text(request.negativePrompt(), 0));
			}
			List<PromptEncoder.Embedding> embedded = this.prompts.embedTexts(manager, texts);
			List<PromptEncoder.Embedding> prompts = new ArrayList<>(images);
			List<PromptEncoder.Embedding> negatives = new ArrayList<>(images);
			for (int r = 0; r < requests.size(); r++) {
				RenderRequest request = requests.get(r);
				for (int i = 0; i < request.numImages(); i++) {
					prompts.add(embedded.get(2 * r));
					negatives.add(embedded.get(2 * r + 1));
					seeds[offsets[r] + i] = request.seed() + i;
					guidance[offsets[r] + i] = (float) request.guidanceScale();
				}
			}
			// diffusers: do_classifier_free_guidance = guidance_scale > 1; rows at ≤ 1 run the conditional pass only
			int[] guided = IntStream.range(0, images).filter((row) -> guidance[row] > 1f).toArray();
			for (int row = 0; row < images; row++) {
				guidance[row] = Math.max(guidance[row], 1f);
			}
			List<PromptEncoder.Embedding> rows = new ArrayList<>(prompts);
			for (int row : guided) {
				rows.add(negatives.get(row));
			}
			NDArray embeddings = NDArrays.concat(new NDList(rows.stream().map(PromptEncoder.Embedding::hidden).toList()),
					0);
			DataType modelType = embeddings.getDataType();
			// SDXL's added conditions: each row's pooled text, and time_ids (original size, crop, target size)
			NDArray textEmbeds = null;
			NDArray timeIds = null;
			if (this.prompts.pooled()) {
				textEmbeds = NDArrays.concat(new NDList(rows.stream().map(PromptEncoder.Embedding::pooled).toList()), 0)
					.toType(modelType, false);
				timeIds = timeIds(manager, rows.size(), width, height).toType(modelType, false);
			}
			NDArray scales = manager.create(guidance, new Shape(images, 1, 1, 1));
			NDArray guidedRows = manager.create(Arrays.stream(guided).asLongStream().toArray());
			// the unconditional prediction of each row: its own from the second part, or (≤ 1) its conditional one
			long[] unconditionalIndex = new long[images];
			for (int row = 0; row < images; row++) {
				unconditionalIndex[row] = row;
			}
			for (int k = 0; k < guided.length; k++) {
				unconditionalIndex[guided[k]] = images + k;
			}
			NDArray unconditionalRows = manager.create(unconditionalIndex);
			Scheduler sampler;
			NDArray latents;
			Shape latentShape = new Shape(images, this.latentChannels, height / LATENT_SCALE, width / LATENT_SCALE);
			try (TorchNoise noise = TorchNoise.perImage(seeds,
					((firstInit != null) ? 2 : 1) + scheduler.noiseDraws(steps))) {
				sampler = scheduler.create(this.noiseSchedule, steps, this.prediction, noise, manager);
				double[] timesteps = sampler.timesteps();
				if (firstInit != null) {
					latents = initLatents(manager, requests, offsets, noise, sampler, latentShape, modelType, firstStep,
							stepsRun);
				}
				else {
					// drawn even when resuming, so every noise stream is where an uninterrupted render's would be
					latents = noise.next(manager, latentShape).mul((float) sampler.initNoiseSigma());
				}
				// PNDM's extra first evaluation completes no step of its own: steps are reported as the caller counts
				int extraEvaluations = timesteps.length - steps;
				int firstEvaluation = (stepsRun == 0) ? timesteps.length : firstStep;
				if (checkpoint != null) {
					firstEvaluation = checkpoint.step() + extraEvaluations;
					latents = restore(manager, sampler, checkpoint, firstEvaluation, latentShape);
				}
				// the first image of each request is previewed
				NDArray firstRows = manager.create(Arrays.stream(offsets, 0, requests.size()).asLongStream().toArray());
				@Nullable List<byte[]> previews = null;
				for (int i = firstEvaluation; i < timesteps.length; i++) {
					try (NDManager stepManager = manager.newSubManager()) {
						embeddings.tempAttach(stepManager);
						if (textEmbeds != null && timeIds != null) {
							textEmbeds.tempAttach(stepManager);
							timeIds.tempAttach(stepManager);
						}
						scales.tempAttach(stepManager);
						guidedRows.tempAttach(stepManager);
						unconditionalRows.tempAttach(stepManager);
						firstRows.tempAttach(stepManager);
						latents.attach(stepManager);
						NDArray input = sampler.scaleModelInput(latents, i);
						NDArray batch = (guided.length == 0) ? input : input.concat(input.get(guidedRows), 0);
						batch = batch.toType(modelType, false);
						// the UNet takes an int64 timestep: fractional ones ("linspace" Euler, Karras) are rounded
						NDArray timestep = stepManager.create(Math.round(timesteps[i]));
						NDArray predicted = (textEmbeds != null && timeIds != null)
								? this.unet.predict(batch, timestep, embeddings, textEmbeds, timeIds)
								: this.unet.predict(batch, timestep, embeddings);
						expectShape("UNet output", predicted, batch.getShape());
						predicted = predicted.toType(DataType.FLOAT32, false);
						NDArray conditional = (guided.length == 0) ? predicted : predicted.get("0:" + images);
						NDArray guidedPrediction = conditional;
						if (guided.length != 0) {
							NDArray unconditional = predicted.get(unconditionalRows);
							guidedPrediction = unconditional.add(conditional.sub(unconditional).mul(scales));
						}
						int done = i + 1 - extraEvaluations - firstStep;
						if (this.preview != null && i - firstStep >= extraEvaluations && done < stepsRun
								&& monitor.wantsPreview(done, stepsRun)) {
							previews = this.preview.pngs(predictedClean(input.get(firstRows), guidedPrediction
								.get(firstRows), timesteps[i]));
						}
						NDArray next = sampler.step(guidedPrediction, i, latents);
						next.attach(manager);
						latents = next;
					}
					if (i - firstStep >= extraEvaluations) {
						int done = i + 1 - extraEvaluations - firstStep;
						// an img2img render hands out no checkpoints: a retry starts over from its init image
						if (firstInit == null && monitor.wantsCheckpoint(done, steps)) {
							handOutCheckpoints(monitor, requests, offsets, latents, sampler.state(), done, steps);
						}
						if (previews != null) {
							for (int r = 0; r < previews.size(); r++) {
								monitor.onPreview(r, done, previews.get(r));
							}
							previews = null;
						}
						monitor.onStep(done, stepsRun);
					}
				}
			}
			DataType vaeInput = (this.vaeType != null) ? this.vaeType : modelType;
			NDArray decoded = this.vaeDecoder.decode(latents.div(this.vaeScaling).toType(vaeInput, false));
			expectShape("VAE decoder output", decoded, new Shape(images, 3, height, width));
			List<byte[]> pngs = pngs(decoded.toType(DataType.FLOAT32, false).toFloatArray(), images, width, height);
			Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
			List<RenderedImages> results = new ArrayList<>(requests.size());
			for (int r = 0; r < requests.size(); r++) {
				results.add(new RenderedImages(pngs.subList(offsets[r], offsets[r + 1]), elapsed, device()));
			}
			return results;
		}
	}

	/**
	 * The starting latents of an img2img pass, as diffusers' {@code StableDiffusionImg2ImgPipeline.prepare_latents}
	 * ({@code pipelines/stable_diffusion/pipeline_stable_diffusion_img2img.py}; the SDXL pipeline's is the same):
	 * each image's init image through the VAE encoder, a sample of its latent distribution with the image's own
	 * generator ({@code retrieve_latents(..., sample_mode="sample")}: {@code DiagonalGaussianDistribution.sample} is
	 * mean + std·randn, the stream's first draw), times the VAE scaling factor; then the noise (the stream's second
	 * draw) added at the first timestep left ({@code timesteps[t_start]}) with the scheduler's {@code add_noise}
	 * ({@link Scheduler#addNoise}). With no step left (strength × steps below 1) the clean latents are returned: the
	 * render decodes the encoded init image.
	 */
	private NDArray initLatents(NDManager manager, List<RenderRequest> requests, int[] offsets, TorchNoise noise,
			Scheduler sampler, Shape latentShape, DataType modelType, int firstStep, int stepsRun) {
		VaeEncoder encoder = this.vaeEncoder;
		if (encoder == null) {
			throw new IllegalArgumentException("Model '" + this.modelId + "' renders text-to-image only: its folder"
					+ " has no " + TorchScriptModules.VAE_ENCODER + ".pt");
		}
		int images = offsets[requests.size()];
		int width = requests.get(0).width();
		int height = requests.get(0).height();
		int plane = 3 * width * height;
		float[] pixels = new float[images * plane];
		for (int r = 0; r < requests.size(); r++) {
			InitImage init = Objects.requireNonNull(requests.get(r).initImage());
			for (int row = offsets[r]; row < offsets[r + 1]; row++) {
				System.arraycopy(init.pixels(), 0, pixels, row * plane, plane);
			}
		}
		DataType vaeInput = (this.vaeType != null) ? this.vaeType : modelType;
		NDArray image = manager.create(pixels, new Shape(images, 3, height, width)).toType(vaeInput, false);
		NDList distribution = encoder.encode(image);
		NDArray mean = distribution.get(0).toType(DataType.FLOAT32, false);
		NDArray std = distribution.get(1).toType(DataType.FLOAT32, false);
		expectShape("VAE encoder mean", mean, latentShape);
		// diffusers' DiagonalGaussianDistribution.sample: mean + std · randn(generator), drawn before the noise
		NDArray clean = mean.add(std.mul(noise.next(manager, latentShape))).mul(this.vaeScaling);
		NDArray fresh = noise.next(manager, latentShape);
		return (stepsRun == 0) ? clean : sampler.addNoise(clean, fresh, firstStep);
	}

	/**
	 * The clean latents the guided prediction implies (diffusers' {@code pred_original_sample}), for previews: from the
	 * UNet's input (the latents at signal level √ᾱ, whatever the sampler's own parametrisation) and its prediction at
	 * a timestep, with ᾱ = 1 / (1 + σ²) from the schedule's σ at that (possibly fractional) timestep.
	 */
	private NDArray predictedClean(NDArray input, NDArray prediction, double timestep) {
		double sigma = this.noiseSchedule.sigma(timestep);
		double alphaCumprod = 1 / (1 + sigma * sigma);
		float signal = (float) Math.sqrt(alphaCumprod);
		float noise = (float) Math.sqrt(1 - alphaCumprod);
		NDArray sample = input.toType(DataType.FLOAT32, false);
		return switch (this.prediction) {
			case EPSILON -> sample.sub(prediction.mul(noise)).div(signal);
			case V_PREDICTION -> sample.mul(signal).sub(prediction.mul(noise));
		};
	}

	/** Per request: its rows of the latents, then its rows of each kept state array. */
	private static void handOutCheckpoints(RenderMonitor monitor, List<RenderRequest> requests, int[] offsets,
			NDArray latents, List<NDArray> kept, int done, int steps) {
		int rowSize = (int) (latents.getShape().size() / latents.getShape().get(0));
		List<float[]> arrays = new ArrayList<>(1 + kept.size());
		arrays.add(latents.toType(DataType.FLOAT32, false).toFloatArray());
		for (NDArray array : kept) {
			arrays.add(array.toType(DataType.FLOAT32, false).toFloatArray());
		}
		for (int r = 0; r < requests.size(); r++) {
			int length = (offsets[r + 1] - offsets[r]) * rowSize;
			float[] state = new float[arrays.size() * length];
			for (int a = 0; a < arrays.size(); a++) {
				System.arraycopy(arrays.get(a), offsets[r] * rowSize, state, a * length, length);
			}
			monitor.onCheckpoint(r, new RenderCheckpoint(done, steps, state));
		}
	}

	/** Restores the latents and the sampler's state from a checkpoint of a request rendered alone. */
	private static NDArray restore(NDManager manager, Scheduler sampler, RenderCheckpoint checkpoint,
			int evaluations, Shape latentShape) {
		int length = (int) latentShape.size();
		int arrays = 1 + sampler.stateArrays(evaluations);
		float[] state = checkpoint.state();
		if (state.length != arrays * length) {
			throw new IllegalArgumentException("Checkpoint does not belong to a render of this shape: step "
					+ checkpoint.step() + " of " + checkpoint.totalSteps() + " needs " + arrays + " × " + length
					+ " values but holds " + state.length);
		}
		List<NDArray> kept = new ArrayList<>(arrays - 1);
		for (int a = 1; a < arrays; a++) {
			kept.add(manager.create(Arrays.copyOfRange(state, a * length, (a + 1) * length), latentShape));
		}
		sampler.restore(evaluations, kept, latentShape);
		return manager.create(Arrays.copyOf(state, length), latentShape);
	}

	/**
	 * SDXL's {@code time_ids} as diffusers' {@code _get_add_time_ids} makes them with its defaults:
	 * {@code original_size = target_size = (height, width)}, {@code crops_coords_top_left = (0, 0)}, the same for
	 * every row (the negative rows too: no {@code negative_original_size}).
	 * @return float {@code (rows, 6)}: {@code [H, W, 0, 0, H, W]} per row
	 */
	static NDArray timeIds(NDManager manager, int rows, int width, int height) {
		float[] ids = new float[rows * 6];
		for (int row = 0; row < rows; row++) {
			System.arraycopy(new float[] { height, width, 0, 0, height, width }, 0, ids, row * 6, 6);
		}
		return manager.create(ids, new Shape(rows, 6));
	}

	private static void expectShape(String what, NDArray array, Shape expected) {
		if (!array.getShape().equals(expected) || !array.getDataType().isFloating()) {
			throw new IllegalStateException(what + " must be floating-point " + expected + " but was "
					+ array.getDataType() + " " + array.getShape());
		}
	}

	/** Maps {@code (n, 3, H, W)} values in [−1, 1] to 8-bit RGB ({@code x/2 + 0.5}, clipped) and encodes PNGs. */
	private static List<byte[]> pngs(float[] values, int images, int width, int height) {
		int plane = width * height;
		List<byte[]> pngs = new ArrayList<>(images);
		int[] rgb = new int[plane];
		for (int i = 0; i < images; i++) {
			int base = i * 3 * plane;
			for (int p = 0; p < plane; p++) {
				rgb[p] = (toByte(values[base + p]) << 16) | (toByte(values[base + plane + p]) << 8)
						| toByte(values[base + 2 * plane + p]);
			}
			BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
			image.setRGB(0, 0, width, height, rgb, 0, width);
			pngs.add(png(image));
		}
		return pngs;
	}

	private static int toByte(float value) {
		float unit = Math.clamp(value / 2f + 0.5f, 0f, 1f);
		return Math.round(unit * 255f);
	}

	private static RenderRequest validate(List<RenderRequest> requests, List<@Nullable RenderCheckpoint> resumeFrom) {
		if (requests.isEmpty()) {
			throw new IllegalArgumentException("Nothing to render: no requests");
		}
		if (resumeFrom.size() != requests.size()) {
			throw new IllegalArgumentException(
					requests.size() + " requests but " + resumeFrom.size() + " checkpoint entries");
		}
		RenderRequest first = requests.get(0);
		int images = 0;
		for (RenderRequest request : requests) {
			validate(request);
			InitImage init = request.initImage();
			InitImage firstInit = first.initImage();
			if ((init == null) != (firstInit == null)
					|| (init != null && firstInit != null && init.strength() != firstInit.strength())) {
				throw new IllegalArgumentException("Requests rendered together must all start from noise or all from"
						+ " init images of the same strength");
			}
			if (request.width() != first.width() || request.height() != first.height()
					|| request.steps() != first.steps()) {
				throw new IllegalArgumentException("Requests rendered together must share width, height and steps;"
						+ " got " + first.width() + "x" + first.height() + "/" + first.steps() + " and "
						+ request.width() + "x" + request.height() + "/" + request.steps());
			}
			images += request.numImages();
		}
		if (images > MAX_BATCH_IMAGES) {
			throw new IllegalArgumentException(
					"At most " + MAX_BATCH_IMAGES + " images render together but " + images + " were asked for");
		}
		boolean resumes = resumeFrom.stream().anyMatch(Objects::nonNull);
		if (resumes && requests.size() != 1) {
			throw new IllegalArgumentException("A request resumed from a checkpoint renders alone");
		}
		RenderCheckpoint checkpoint = resumeFrom.get(0);
		if (checkpoint != null && first.initImage() != null) {
			throw new IllegalArgumentException("An img2img render does not resume from a checkpoint; it starts over");
		}
		if (checkpoint != null && (checkpoint.totalSteps() != first.steps() || checkpoint.step() >= first.steps())) {
			throw new IllegalArgumentException("Checkpoint at step " + checkpoint.step() + " of "
					+ checkpoint.totalSteps() + " does not fit a render of " + first.steps() + " steps");
		}
		return first;
	}

	private static void validate(RenderRequest request) {
		checkSize("width", request.width());
		checkSize("height", request.height());
		NoiseSchedule.STABLE_DIFFUSION.checkSteps(request.steps());
		checkImagesAndGuidance(request, MAX_IMAGES);
	}

	private static void checkSize(String name, int value) {
		if (value < MIN_SIZE || value > MAX_SIZE || value % SIZE_MULTIPLE != 0) {
			throw new IllegalArgumentException(name + " must be a multiple of " + SIZE_MULTIPLE + " between "
					+ MIN_SIZE + " and " + MAX_SIZE + " for Stable Diffusion but was " + value);
		}
	}

	@Override
	public synchronized void close() {
		if (!markClosed()) {
			return;
		}
		RuntimeException failure = null;
		for (AutoCloseable resource : this.resources) {
			try {
				resource.close();
			}
			catch (Exception ex) {
				if (failure == null) {
					failure = new IllegalStateException("Could not free model '" + this.modelId + "'", ex);
				}
				else {
					failure.addSuppressed(ex);
				}
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

}
