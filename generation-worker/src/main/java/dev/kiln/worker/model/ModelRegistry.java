package dev.kiln.worker.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import ai.djl.Device;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.s3.S3Client;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.render.BuiltinGenerator;
import dev.kiln.worker.render.ImageGenerator;
import dev.kiln.worker.render.NoopGenerator;
import dev.kiln.worker.render.sd.ModelManifest;
import dev.kiln.worker.render.sd.StableDiffusionGenerator;

/**
 * Loads every configured model at start-up, from its location ({@code file:}, {@code classpath:} or {@code s3://},
 * see {@link ModelFiles}) with the loader of its type ({@code builtin}: {@link BuiltinGenerator};
 * {@code sd-torchscript}: {@link StableDiffusionGenerator}; {@code noop}: {@link NoopGenerator}, no files). A
 * Stable Diffusion folder with a {@code kiln-model.json} ({@link ModelManifest}) has every file checked against its
 * sha256 and takes its limits from it ({@link #limits}). A model that cannot be loaded stops the worker with a
 * message naming it, so a misconfigured worker never takes jobs it cannot render.
 */
@Component
public class ModelRegistry implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(ModelRegistry.class);

	static final int DEFAULT_MAX_PIXELS = 1048576;

	static final int DEFAULT_MAX_STEPS = 150;

	static final int DEFAULT_MAX_BATCH = 8;

	private final Map<String, ServedModel> models;

	ModelRegistry(WorkerProperties properties, S3Client s3) {
		ModelFiles files = new ModelFiles(s3, Path.of(properties.modelCache()),
				properties.modelDownload());
		Map<String, ServedModel> loaded = new TreeMap<>();
		try {
			properties.models().forEach((id, model) -> loaded.put(id, load(files, id, model)));
		}
		catch (RuntimeException ex) {
			loaded.values().forEach((served) -> served.generator().close());
			throw ex;
		}
		this.models = Collections.unmodifiableMap(loaded);
	}

	static ServedModel load(ModelFiles files, String id, WorkerProperties.Model model) {
		try {
			long start = System.nanoTime();
			if (model.type() == WorkerProperties.ModelType.NOOP) {
				logger.warn("Model {} is a no-op model: its images are plain grey, for measuring Kiln itself", id);
				return new ServedModel(id, new NoopGenerator(id), model, limits(id, model, null, null, List.of()));
			}
			Device device = BuiltinGenerator.pickDevice(model.device());
			Path directory = files.directory(id, model.location());
			ModelManifest manifest = null;
			if (model.type() == WorkerProperties.ModelType.SD_TORCHSCRIPT && ModelManifest.present(directory)) {
				manifest = ModelManifest.read(directory.resolve(ModelManifest.FILE));
				ModelFiles.verify(directory, manifest, files.inCache(directory));
				limits(id, model, manifest, null, List.of()); // configuration that asks too much fails before loading
			}
			ImageGenerator generator = switch (model.type()) {
				case BUILTIN -> {
					if (model.location().startsWith("file:") || !model.location().contains(":")) {
						BuiltinGenerator.materialize(directory);
					}
					yield BuiltinGenerator.load(directory, id, device);
				}
				case SD_TORCHSCRIPT -> StableDiffusionGenerator.load(directory, id, device, model.scheduler());
				case NOOP -> throw new IllegalStateException("unreachable");
			};
			ServedModel.Limits limits = (generator instanceof StableDiffusionGenerator sd)
					? withClipSkip(limits(id, model, manifest, sd.scheduler(), sd.schedulers()), sd.maxClipSkip())
					: limits(id, model, null, null, List.of());
			limits = withImageToImage(limits, generator.imageToImage());
			logger.info("Model {} ({}) loaded from {} on {} in {} ms: {}", id, model.type().wireName(), directory,
					generator.device(), (System.nanoTime() - start) / 1_000_000, describe(limits, manifest));
			return new ServedModel(id, generator, model, limits);
		}
		catch (IOException | RuntimeException ex) {
			throw new IllegalStateException("Could not load model '" + id + "' from " + model.location() + ": "
					+ ex.getMessage(), ex);
		}
	}

	/**
	 * A model's limits: the manifest's when it has one (its sizes, its {@code max_batch}), which configuration may
	 * narrow but not widen; otherwise the configured ones or their defaults.
	 * @throws IllegalStateException when configuration asks for more than the manifest allows
	 */
	static ServedModel.Limits limits(String id, WorkerProperties.Model model, @Nullable ModelManifest manifest,
			@Nullable String scheduler, List<String> schedulers) {
		int maxSteps = (model.maxSteps() != null) ? model.maxSteps() : DEFAULT_MAX_STEPS;
		if (manifest == null) {
			return new ServedModel.Limits(model.type().wireName(),
					(model.maxPixels() != null) ? model.maxPixels() : DEFAULT_MAX_PIXELS, maxSteps,
					(model.maxBatch() != null) ? model.maxBatch() : DEFAULT_MAX_BATCH, List.of(), null, scheduler,
					schedulers);
		}
		List<ModelManifest.Size> sizes = manifest.sizes()
			.stream()
			.filter((size) -> model.maxPixels() == null || size.width() * size.height() <= model.maxPixels())
			.toList();
		if (sizes.isEmpty()) {
			throw new IllegalStateException("kiln.worker.models." + id + ".max-pixels=" + model.maxPixels()
					+ " leaves none of the sizes " + manifest.sizes() + " its " + ModelManifest.FILE + " lists");
		}
		if (model.maxBatch() != null && model.maxBatch() > manifest.maxBatch()) {
			throw new IllegalStateException("kiln.worker.models." + id + ".max-batch=" + model.maxBatch()
					+ " is above the max_batch " + manifest.maxBatch() + " its " + ModelManifest.FILE
					+ " was traced and checked for; export it again with --max-batch " + model.maxBatch());
		}
		int maxPixels = sizes.stream().mapToInt((size) -> size.width() * size.height()).max().orElseThrow();
		int maxBatch = (model.maxBatch() != null) ? model.maxBatch() : manifest.maxBatch();
		return new ServedModel.Limits(model.type().wireName(), maxPixels, maxSteps, maxBatch, sizes, manifest.family(),
				scheduler, schedulers);
	}

	/** The limits, saying whether the generator starts from init images (announced as {@code imageToImage}). */
	static ServedModel.Limits withImageToImage(ServedModel.Limits limits, boolean imageToImage) {
		return new ServedModel.Limits(limits.type(), limits.maxPixels(), limits.maxSteps(), limits.maxBatch(),
				limits.sizes(), limits.family(), limits.scheduler(), limits.schedulers(), imageToImage,
				limits.maxClipSkip());
	}

	/** The limits, saying how many text encoder layers its jobs may skip (announced as {@code maxClipSkip}). */
	static ServedModel.Limits withClipSkip(ServedModel.Limits limits, int maxClipSkip) {
		return new ServedModel.Limits(limits.type(), limits.maxPixels(), limits.maxSteps(), limits.maxBatch(),
				limits.sizes(), limits.family(), limits.scheduler(), limits.schedulers(), limits.imageToImage(),
				maxClipSkip);
	}

	private static String describe(ServedModel.Limits limits, @Nullable ModelManifest manifest) {
		String sizes = limits.sizes().isEmpty() ? "up to " + limits.maxPixels() + " pixels" : "sizes " + limits.sizes();
		String from = (manifest != null) ? " (from " + ModelManifest.FILE + ", " + manifest.family() + " "
				+ manifest.dtype() + ", files sha256-verified)" : "";
		return sizes + ", max batch " + limits.maxBatch() + ", max steps " + limits.maxSteps()
				+ ((limits.scheduler() != null) ? ", scheduler " + limits.scheduler() : "")
				+ (limits.imageToImage() ? ", img2img" : "")
				+ ((limits.maxClipSkip() > 0) ? ", clip skip up to " + limits.maxClipSkip() : "") + from;
	}

	/** The model with that id, if this worker serves it. */
	public Optional<ServedModel> find(String modelId) {
		return Optional.ofNullable(this.models.get(modelId));
	}

	/** Every model served, by id. */
	public List<ServedModel> all() {
		return new ArrayList<>(this.models.values());
	}

	/** Ids of every model served. */
	public List<String> ids() {
		return new ArrayList<>(this.models.keySet());
	}

	@Override
	public void destroy() {
		this.models.values().forEach((served) -> served.generator().close());
	}

}
