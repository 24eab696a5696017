package dev.kiln.worker.render;

import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.jspecify.annotations.Nullable;

/**
 * The built-in image generator: a small latent diffusion model (see {@link BuiltinNetwork}) run with DJL on the
 * PyTorch engine. It needs no download: {@link #materialize(Path)} writes its seeded parameters with
 * {@link Model#save}, and {@link #load(Path, String, Device)} reads them back with {@link Model#load}.
 * <p>
 * A render embeds the prompt and the negative prompt, draws each image's latent noise and style vector from its seed
 * ({@code seed + i} for image {@code i}), runs {@code steps} DDIM steps (each one forward pass of the denoiser over
 * the whole batch, conditional and unconditional halves together, combined by classifier-free guidance), then decodes
 * the latent to pixels and encodes PNGs. The same request always gives the same bytes on the same machine and engine
 * build.
 * <p>
 * Thread safety: {@link #render} and {@link #close} are synchronized, so one instance renders one request at a time;
 * use several instances to render in parallel.
 */
public final class BuiltinGenerator extends BatchingGenerator {

	private static final String ENGINE = "PyTorch";

	private static final String MODEL_NAME = "kiln-builtin";

	/** The file {@link Model#save} writes the parameters to (name, then epoch 0). */
	static final String PARAMETER_FILE = MODEL_NAME + "-0000.params";

	/** Largest side of an image, in pixels. */
	static final int MAX_SIZE = 2048;

	/** Smallest side of an image, in pixels. */
	static final int MIN_SIZE = 64;

	/** Most images per request. */
	static final int MAX_IMAGES = 8;

	/** Most images rendered together, over all requests of a batch. */
	static final int MAX_BATCH_IMAGES = 64;

	/** Previews are drawn at this fraction of the image's size. */
	private static final int PREVIEW_DIVISOR = 4;

	/** Pixels (over the whole batch) decoded per forward pass, bounding the decoder's memory. */
	private static final int DECODE_CHUNK_PIXELS = 1 << 18;

	private static final int CHANNELS = BuiltinNetwork.LATENT_CHANNELS;

	private static final int SCALE = BuiltinNetwork.LATENT_SCALE;

	private final String modelId;

	private final Model model;

	private final BuiltinNetwork network;

	private final Device device;

	private BuiltinGenerator(String modelId, Model model, BuiltinNetwork network, Device device) {
		this.modelId = modelId;
		this.model = model;
		this.network = network;
		this.device = device;
	}

	/**
	 * Picks the device to render on.
	 * @param preference {@code auto} (a GPU when the engine sees one, else the CPU), {@code cpu} or {@code gpu}
	 * @return the device
	 * @throws IllegalArgumentException for {@code gpu} when the engine sees no GPU, or an unknown preference
	 */
	public static Device pickDevice(String preference) {
		int gpus = Engine.getEngine(ENGINE).getGpuCount();
		return switch (preference.trim().toLowerCase(Locale.ROOT)) {
			case "auto" -> (gpus > 0) ? Device.gpu() : Device.cpu();
			case "cpu" -> Device.cpu();
			case "gpu" -> {
				if (gpus == 0) {
					throw new IllegalArgumentException("Device 'gpu' was requested but the " + ENGINE
							+ " engine sees no GPU (no CUDA device or a CPU-only libtorch); use 'auto' or 'cpu'");
				}
				yield Device.gpu();
			}
			default -> throw new IllegalArgumentException(
					"Unknown device '" + preference + "'; expected 'auto', 'cpu' or 'gpu'");
		};
	}

	/**
	 * Writes the model's parameters into {@code directory} unless they are already there. The parameters are
	 * written to a staging directory inside it and moved into place atomically, so a crash never leaves a
	 * half-written model (at most a {@code .staging-*} directory that can be deleted); concurrent callers write
	 * identical files.
	 * @param directory the model directory, created when missing
	 * @return {@code directory}
	 * @throws IOException when the parameters cannot be written
	 */
	public static Path materialize(Path directory) throws IOException {
		Path parameters = directory.resolve(PARAMETER_FILE);
		if (Files.isRegularFile(parameters)) {
			return directory;
		}
		Files.createDirectories(directory);
		Path staging = Files.createTempDirectory(directory, ".staging-");
		try {
			try (Model model = Model.newInstance(MODEL_NAME, Device.cpu(), ENGINE)) {
				BuiltinNetwork network = new BuiltinNetwork();
				network.initialize(model.getNDManager(), DataType.FLOAT32, BuiltinNetwork.exampleInputShapes());
				model.setBlock(network);
				model.save(staging, MODEL_NAME);
			}
			Path written = staging.resolve(PARAMETER_FILE);
			if (!Files.isRegularFile(written)) {
				throw new IOException("Saving the built-in model did not write " + PARAMETER_FILE + " in " + staging);
			}
			Files.move(written, parameters, StandardCopyOption.ATOMIC_MOVE);
		}
		finally {
			deleteRecursively(staging);
		}
		return directory;
	}

	/**
	 * Loads the model from {@code directory} with {@link Model#load} and checks it with a tiny render.
	 * @param directory a directory written by {@link #materialize(Path)}
	 * @param modelId the model id this generator serves
	 * @param device the device to load onto, for example from {@link #pickDevice(String)}
	 * @return the generator; close it to free its native memory
	 * @throws FileNotFoundException when the directory or its parameter file is missing
	 * @throws IOException when the parameters are unreadable, corrupt or from another model version
	 */
	public static BuiltinGenerator load(Path directory, String modelId, Device device) throws IOException {
		if (!Files.isDirectory(directory)) {
			throw new FileNotFoundException("Built-in model directory " + directory
					+ " does not exist; write it first with BuiltinGenerator.materialize");
		}
		if (!Files.isRegularFile(directory.resolve(PARAMETER_FILE))) {
			throw new FileNotFoundException("Built-in model directory " + directory + " holds no " + PARAMETER_FILE
					+ "; write it first with BuiltinGenerator.materialize");
		}
		Model model = Model.newInstance(MODEL_NAME, device, ENGINE);
		try {
			BuiltinNetwork network = new BuiltinNetwork();
			model.setBlock(network);
			model.load(directory, MODEL_NAME);
			BuiltinGenerator generator = new BuiltinGenerator(modelId, model, network, device);
			generator.render(new RenderRequest("warm up", null, MIN_SIZE, MIN_SIZE, 1, 1.0, 0, 1), StepListener.NONE);
			return generator;
		}
		catch (IOException | MalformedModelException | RuntimeException ex) {
			model.close();
			throw new IOException("Built-in model parameters in " + directory
					+ " are unreadable, corrupt or from another model version (" + ex.getMessage()
					+ "); delete the directory and materialize it again", ex);
		}
	}

	@Override
	public String modelId() {
		return this.modelId;
	}

	@Override
	public String device() {
		return this.device.toString();
	}

	/**
	 * Renders the request, showing the latents after every step to {@code observer}.
	 * @param request what to render
	 * @param listener told after every step; may throw to stop the render
	 * @param observer shown the latents after every step, or {@code null}
	 * @return the PNGs
	 */
	synchronized RenderedImages render(RenderRequest request, StepListener listener,
			@Nullable LatentObserver observer) {
		return renderAll(List.of(request), fresh(), RenderMonitor.of(listener), observer).get(0);
	}

	/**
	 * Renders the requests in one pass: every step is one forward pass of the denoiser over the images of all
	 * requests. Hands out checkpoints (the request's latents) and low-resolution previews when the monitor asks, and
	 * resumes from checkpoints it handed out: a resumed render gives the same bytes as one never interrupted.
	 */
	@Override
	public synchronized List<RenderedImages> render(List<RenderRequest> requests,
			List<@Nullable RenderCheckpoint> resumeFrom, RenderMonitor monitor) {
		return renderAll(requests, resumeFrom, monitor, null);
	}

	private List<RenderedImages> renderAll(List<RenderRequest> requests, List<@Nullable RenderCheckpoint> resumeFrom,
			RenderMonitor monitor, @Nullable LatentObserver observer) {
		checkOpen();
		int startStep = validate(requests, resumeFrom);
		long start = System.nanoTime();
		RenderRequest first = requests.get(0);
		int width = first.width();
		int height = first.height();
		int steps = first.steps();
		int[] offsets = imageOffsets(requests);
		int images = offsets[requests.size()];
		int latentHeight = height / SCALE;
		int latentWidth = width / SCALE;
		int latentPositions = latentHeight * latentWidth;
		int noiseWidth = latentPositions * CHANNELS;
		try (NDManager manager = this.model.getNDManager().newSubManager()) {
			ParameterStore parameters = new ParameterStore(manager, false);
			float[] bagValues = new float[2 * images * BuiltinNetwork.VOCABULARY];
			int styleWidth = BuiltinNetwork.STYLE_FEATURES;
			float[] noise = new float[images * noiseWidth];
			float[] styleValues = new float[2 * images * styleWidth];
			float[] guidance = new float[images];
			for (int r = 0; r < requests.size(); r++) {
				RenderRequest request = requests.get(r);
				RenderCheckpoint checkpoint = resumeFrom.get(r);
				for (int j = 0; j < request.numImages(); j++) {
					int i = offsets[r] + j;
					PromptEncoding.writeBag(request.prompt(), bagValues, i);
					PromptEncoding.writeBag(request.negativePrompt(), bagValues, images + i);
					guidance[i] = (float) request.guidanceScale();
					float[] sample = Gaussians.sample(request.seed() + j, styleWidth + noiseWidth, 1.0);
					System.arraycopy(sample, 0, styleValues, i * styleWidth, styleWidth);
					System.arraycopy(sample, 0, styleValues, (images + i) * styleWidth, styleWidth);
					if (checkpoint == null) {
						System.arraycopy(sample, styleWidth, noise, i * noiseWidth, noiseWidth);
					}
				}
				if (checkpoint != null) {
					System.arraycopy(checkpoint.state(), 0, noise, offsets[r] * noiseWidth, checkpoint.state().length);
				}
			}
			NDArray bags = manager.create(bagValues, new Shape(2L * images, BuiltinNetwork.VOCABULARY));
			NDArray positions = manager.create(latentPositions(width, height), new Shape(1, latentPositions, 2));
			NDArray styles = manager.create(styleValues, new Shape(2L * images, styleWidth));
			NDArray guidanceScales = manager.create(guidance, new Shape(images, 1, 1));
			NDArray latents = manager.create(noise, new Shape(images, latentPositions, CHANNELS));
			int[] timesteps = DdimSchedule.timesteps(steps);
			NDArray text = null;
			for (int step = startStep; step < timesteps.length; step++) {
				int next = (step + 1 < timesteps.length) ? timesteps[step + 1] : -1;
				latents = denoiseStep(parameters, manager, bags, positions, styles, latents, timesteps[step], next,
						guidanceScales);
				int done = step + 1;
				if (observer != null) {
					observer.onLatents(done, latents.toFloatArray());
				}
				if (monitor.wantsCheckpoint(done, steps)) {
					float[] all = latents.toFloatArray();
					for (int r = 0; r < requests.size(); r++) {
						float[] state = new float[requests.get(r).numImages() * noiseWidth];
						System.arraycopy(all, offsets[r] * noiseWidth, state, 0, state.length);
						monitor.onCheckpoint(r, new RenderCheckpoint(done, steps, state));
					}
				}
				if (done < steps && monitor.wantsPreview(done, steps)) {
					if (text == null) {
						text = this.network.encodeText(parameters, bags.get("0:{}", images));
					}
					preview(parameters, manager, requests, offsets, latents, text, styles.get("0:{}", images), done,
							monitor);
				}
				monitor.onStep(done, steps);
			}
			if (text == null) {
				text = this.network.encodeText(parameters, bags.get("0:{}", images));
			}
			List<byte[]> pngs = decode(parameters, manager, latents, text, styles.get("0:{}", images), latentWidth,
					latentHeight, width, height);
			Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
			List<RenderedImages> results = new ArrayList<>(requests.size());
			for (int r = 0; r < requests.size(); r++) {
				results.add(new RenderedImages(pngs.subList(offsets[r], offsets[r + 1]), elapsed, device()));
			}
			return results;
		}
	}

	/** Decodes the first image of every request at a quarter of its size (at least 16 pixels a side). */
	private void preview(ParameterStore parameters, NDManager manager, List<RenderRequest> requests, int[] offsets,
			NDArray latents, NDArray text, NDArray styles, int step, RenderMonitor monitor) {
		RenderRequest first = requests.get(0);
		int width = Math.max(16, first.width() / PREVIEW_DIVISOR);
		int height = Math.max(16, first.height() / PREVIEW_DIVISOR);
		for (int r = 0; r < requests.size(); r++) {
			String index = Integer.toString(offsets[r]);
			try (NDManager previewManager = manager.newSubManager()) {
				latents.tempAttach(previewManager);
				text.tempAttach(previewManager);
				styles.tempAttach(previewManager);
				String row = index + ":" + (offsets[r] + 1);
				byte[] png = decode(parameters, previewManager, latents.get(row), text.get(row), styles.get(row),
						first.width() / SCALE, first.height() / SCALE, width, height)
					.get(0);
				monitor.onPreview(r, step, png);
			}
		}
	}

	/**
	 * One DDIM step (η = 0): predict the clean latent with guidance, re-derive the noise from it and move to the
	 * next, less noisy timestep. Temporaries live in a step manager; the returned latents live in {@code manager}.
	 */
	private NDArray denoiseStep(ParameterStore parameters, NDManager manager, NDArray bags, NDArray positions,
			NDArray styles, NDArray latents, int timestep, int nextTimestep, NDArray guidance) {
		try (NDManager stepManager = manager.newSubManager()) {
			bags.tempAttach(stepManager);
			positions.tempAttach(stepManager);
			styles.tempAttach(stepManager);
			guidance.tempAttach(stepManager);
			latents.attach(stepManager);
			long batch = latents.getShape().get(0);
			NDArray time = stepManager.create(timeEmbedding(timestep, 2 * (int) batch),
					new Shape(2 * batch, BuiltinNetwork.TIME_FEATURES));
			NDArray predicted = this.network
				.forward(parameters, new NDList(bags, positions, latents.concat(latents, 0), time, styles), false)
				.singletonOrThrow();
			NDList halves = predicted.split(2, 0);
			NDArray conditional = halves.get(0);
			NDArray unconditional = halves.get(1);
			NDArray clean = unconditional.add(conditional.sub(unconditional).mul(guidance));
			double alpha = DdimSchedule.alphaCumprod(timestep);
			double nextAlpha = DdimSchedule.alphaCumprod(nextTimestep);
			NDArray noise = latents.sub(clean.mul((float) Math.sqrt(alpha))).div((float) Math.sqrt(1 - alpha));
			NDArray next = clean.mul((float) Math.sqrt(nextAlpha)).add(noise.mul((float) Math.sqrt(1 - nextAlpha)));
			next.attach(manager);
			return next;
		}
	}

	/**
	 * Upsamples the latents (cubic B-spline, separable, as two matrix products) and decodes them in bands of rows,
	 * so memory stays bounded at 2048 × 2048 × 8 images, then encodes each image as PNG.
	 */
	private List<byte[]> decode(ParameterStore parameters, NDManager manager, NDArray latents, NDArray text,
			NDArray styles, int latentWidth, int latentHeight, int width, int height) {
		int images = (int) latents.getShape().get(0);
		NDArray columns = manager.create(transpose(resampling(width, latentWidth), width, latentWidth),
				new Shape(latentWidth, width));
		NDArray wide = latents.transpose(0, 2, 1).reshape(images, CHANNELS, latentHeight, latentWidth).matMul(columns);
		float[] rowWeights = resampling(height, latentHeight);
		BufferedImage[] canvases = new BufferedImage[images];
		for (int i = 0; i < images; i++) {
			canvases[i] = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		}
		int bandRows = Math.max(1, DECODE_CHUNK_PIXELS / (images * width));
		int[] rgb = new int[Math.min(bandRows, height) * width];
		for (int top = 0; top < height; top += bandRows) {
			int rows = Math.min(bandRows, height - top);
			try (NDManager bandManager = manager.newSubManager()) {
				wide.tempAttach(bandManager);
				text.tempAttach(bandManager);
				styles.tempAttach(bandManager);
				float[] bandWeights = new float[rows * latentHeight];
				System.arraycopy(rowWeights, top * latentHeight, bandWeights, 0, bandWeights.length);
				NDArray band = bandManager.create(bandWeights, new Shape(rows, latentHeight))
					.matMul(wide)
					.transpose(0, 2, 3, 1)
					.reshape(images, (long) rows * width, CHANNELS);
				NDArray pixelPositions = bandManager.create(pixelPositions(width, height, top, rows),
						new Shape(1, (long) rows * width, 2));
				float[] values = this.network.decode(parameters, pixelPositions, band, text, styles).toFloatArray();
				int perImage = rows * width;
				for (int i = 0; i < images; i++) {
					for (int p = 0; p < perImage; p++) {
						int base = (i * perImage + p) * 3;
						rgb[p] = (toByte(values[base]) << 16) | (toByte(values[base + 1]) << 8)
								| toByte(values[base + 2]);
					}
					canvases[i].setRGB(0, top, width, rows, rgb, 0, width);
				}
			}
		}
		List<byte[]> pngs = new ArrayList<>(images);
		for (BufferedImage canvas : canvases) {
			pngs.add(png(canvas));
		}
		return pngs;
	}

	private static int toByte(float value) {
		return Math.clamp((int) (value * 255f + 0.5f), 0, 255);
	}

	/**
	 * Positions in the model's plane: the longer side of the image spans [-1, 1], centred on the image.
	 */
	private static float position(double pixel, int size, int longest) {
		return (float) ((pixel - size / 2.0) / (longest / 2.0));
	}

	/** Centres of the latent cells, {@code (latentHeight · latentWidth, 2)} as (x, y). */
	private static float[] latentPositions(int width, int height) {
		int longest = Math.max(width, height);
		int latentHeight = height / SCALE;
		int latentWidth = width / SCALE;
		float[] result = new float[latentHeight * latentWidth * 2];
		for (int y = 0; y < latentHeight; y++) {
			for (int x = 0; x < latentWidth; x++) {
				int index = (y * latentWidth + x) * 2;
				result[index] = position((x + 0.5) * SCALE, width, longest);
				result[index + 1] = position((y + 0.5) * SCALE, height, longest);
			}
		}
		return result;
	}

	/** Centres of the pixels of rows {@code top} to {@code top + rows - 1}, as (x, y). */
	private static float[] pixelPositions(int width, int height, int top, int rows) {
		int longest = Math.max(width, height);
		float[] result = new float[rows * width * 2];
		for (int y = 0; y < rows; y++) {
			float py = position(top + y + 0.5, height, longest);
			for (int x = 0; x < width; x++) {
				int index = (y * width + x) * 2;
				result[index] = position(x + 0.5, width, longest);
				result[index + 1] = py;
			}
		}
		return result;
	}

	/**
	 * Cubic B-spline resampling weights from {@code inputSize} cells to {@code outputSize} pixels, a row-major
	 * {@code (outputSize, inputSize)} matrix; edges are clamped. The B-spline is smooth (C²), so the decoded image has
	 * no seams along the latent grid.
	 */
	static float[] resampling(int outputSize, int inputSize) {
		float[] weights = new float[outputSize * inputSize];
		double scale = (double) outputSize / inputSize;
		for (int o = 0; o < outputSize; o++) {
			double u = (o + 0.5) / scale - 0.5;
			int base = (int) Math.floor(u);
			double f = u - base;
			double[] w = { (1 - f) * (1 - f) * (1 - f) / 6, (3 * f * f * f - 6 * f * f + 4) / 6,
					(-3 * f * f * f + 3 * f * f + 3 * f + 1) / 6, f * f * f / 6 };
			for (int k = 0; k < 4; k++) {
				int i = Math.clamp(base - 1 + k, 0, inputSize - 1);
				weights[o * inputSize + i] += (float) w[k];
			}
		}
		return weights;
	}

	private static float[] transpose(float[] matrix, int rows, int columns) {
		float[] result = new float[matrix.length];
		for (int r = 0; r < rows; r++) {
			for (int c = 0; c < columns; c++) {
				result[c * rows + r] = matrix[r * columns + c];
			}
		}
		return result;
	}

	/** Sinusoidal timestep embedding (as in DDPM), the same row repeated {@code rows} times. */
	private static float[] timeEmbedding(int timestep, int rows) {
		int half = BuiltinNetwork.TIME_FEATURES / 2;
		float[] row = new float[BuiltinNetwork.TIME_FEATURES];
		for (int k = 0; k < half; k++) {
			double frequency = Math.exp(-Math.log(10_000) * k / half);
			row[k] = (float) Math.sin(timestep * frequency);
			row[half + k] = (float) Math.cos(timestep * frequency);
		}
		float[] result = new float[rows * row.length];
		for (int r = 0; r < rows; r++) {
			System.arraycopy(row, 0, result, r * row.length, row.length);
		}
		return result;
	}

	/** Checks the requests and their checkpoints; returns the step they resume from (0 for a fresh render). */
	private static int validate(List<RenderRequest> requests, List<@Nullable RenderCheckpoint> resumeFrom) {
		if (requests.isEmpty() || requests.size() != resumeFrom.size()) {
			throw new IllegalArgumentException("Expected one checkpoint slot per request, and at least one request");
		}
		RenderRequest first = requests.get(0);
		int images = 0;
		for (RenderRequest request : requests) {
			validate(request);
			if (request.width() != first.width() || request.height() != first.height()
					|| request.steps() != first.steps()) {
				throw new IllegalArgumentException("Requests rendered together must share width, height and steps");
			}
			images += request.numImages();
		}
		if (images > MAX_BATCH_IMAGES) {
			throw new IllegalArgumentException(
					"At most " + MAX_BATCH_IMAGES + " images render together, asked for " + images);
		}
		int startStep = -1;
		int latentSize = (first.width() / SCALE) * (first.height() / SCALE) * CHANNELS;
		for (int r = 0; r < requests.size(); r++) {
			RenderCheckpoint checkpoint = resumeFrom.get(r);
			int step = (checkpoint != null) ? checkpoint.step() : 0;
			if (startStep >= 0 && step != startStep) {
				throw new IllegalArgumentException("Requests rendered together must resume from the same step");
			}
			startStep = step;
			if (checkpoint != null && (checkpoint.totalSteps() != first.steps()
					|| checkpoint.state().length != requests.get(r).numImages() * latentSize)) {
				throw new IllegalArgumentException("Checkpoint does not belong to a render of this shape (step "
						+ checkpoint.step() + " of " + checkpoint.totalSteps() + ", " + checkpoint.state().length
						+ " values)");
			}
		}
		return startStep;
	}

	private static void validate(RenderRequest request) {
		if (request.initImage() != null) {
			throw new IllegalArgumentException("The built-in model renders from noise only; it cannot start from an"
					+ " init image (img2img needs an exported Stable Diffusion model)");
		}
		checkSize("width", request.width());
		checkSize("height", request.height());
		if (request.steps() < 1 || request.steps() > DdimSchedule.TRAINING_STEPS) {
			throw new IllegalArgumentException(
					"steps must be between 1 and " + DdimSchedule.TRAINING_STEPS + " but was " + request.steps());
		}
		checkImagesAndGuidance(request, MAX_IMAGES);
	}

	private static void checkSize(String name, int value) {
		if (value < MIN_SIZE || value > MAX_SIZE || value % SCALE != 0) {
			throw new IllegalArgumentException(name + " must be a multiple of " + SCALE + " between " + MIN_SIZE
					+ " and " + MAX_SIZE + " but was " + value);
		}
	}

	private static void deleteRecursively(Path root) throws IOException {
		if (!Files.exists(root)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(root)) {
			for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
	}

	@Override
	public synchronized void close() {
		if (markClosed()) {
			this.model.close();
		}
	}

	/** Shown the latents after every step of a render; lets tests watch the refinement. */
	@FunctionalInterface
	interface LatentObserver {

		/**
		 * Called after step {@code step} (from 1).
		 * @param step the step just finished
		 * @param latents the latents, {@code (numImages, latentHeight · latentWidth, LATENT_CHANNELS)} row-major
		 */
		void onLatents(int step, float[] latents);

	}

}
