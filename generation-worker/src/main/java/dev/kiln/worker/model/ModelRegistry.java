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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.s3.S3Client;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.render.BuiltinGenerator;
import dev.kiln.worker.render.ImageGenerator;
import dev.kiln.worker.render.NoopGenerator;
import dev.kiln.worker.render.sd.StableDiffusionGenerator;

/**
 * Loads every configured model at start-up, from its location ({@code file:}, {@code classpath:} or {@code s3://},
 * see {@link ModelFiles}) with the loader of its type ({@code builtin}: {@link BuiltinGenerator};
 * {@code sd-torchscript}: {@link StableDiffusionGenerator}; {@code noop}: {@link NoopGenerator}, no files). A model that cannot be loaded stops the worker with a
 * message naming it, so a misconfigured worker never takes jobs it cannot render.
 */
@Component
public class ModelRegistry implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(ModelRegistry.class);

	private final Map<String, ServedModel> models;

	ModelRegistry(WorkerProperties properties, S3Client s3) {
		ModelFiles files = new ModelFiles(s3, Path.of(properties.worker().modelCache()));
		Map<String, ServedModel> loaded = new TreeMap<>();
		try {
			properties.worker().models().forEach((id, model) -> loaded.put(id, load(files, id, model)));
		}
		catch (RuntimeException ex) {
			loaded.values().forEach((served) -> served.generator().close());
			throw ex;
		}
		this.models = Collections.unmodifiableMap(loaded);
	}

	private static ServedModel load(ModelFiles files, String id, WorkerProperties.Model model) {
		try {
			long start = System.nanoTime();
			if (model.type() == WorkerProperties.ModelType.NOOP) {
				logger.warn("Model {} is a no-op model: its images are plain grey, for measuring Kiln itself", id);
				return new ServedModel(id, new NoopGenerator(id), model);
			}
			Device device = BuiltinGenerator.pickDevice(model.device());
			Path directory = files.directory(id, model.location());
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
			logger.info("Model {} ({}) loaded from {} on {} in {} ms", id, model.type().wireName(), directory,
					generator.device(),
					(System.nanoTime() - start) / 1_000_000);
			return new ServedModel(id, generator, model);
		}
		catch (IOException | RuntimeException ex) {
			throw new IllegalStateException("Could not load model '" + id + "' from " + model.location() + ": "
					+ ex.getMessage(), ex);
		}
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
