package dev.kiln.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.kiln.worker.render.sd.ModelManifest;

/**
 * A folder written by {@code tools/export-model} that {@code --model-dir} serves beside the built-in model. Its id is
 * the folder's name (the manifest names what was exported, not an id); its sizes, max batch and samplers are the
 * worker's to take from its {@value ModelManifest#FILE}, which it announces to the gateway in its heartbeats like
 * any other model's. Read once before anything starts, so that a wrong folder ends {@code run-local} with one line.
 *
 * @param id the model id jobs ask for
 * @param directory the folder, absolute
 * @param manifest its manifest
 */
record ExportedModel(String id, Path directory, ModelManifest manifest) {

	/** The id of the model every local stack serves (the worker's {@code kiln-worker.properties}). */
	static final String BUILTIN = "kiln-builtin";

	/**
	 * Reads and checks a folder: it exists, has a {@value ModelManifest#FILE} that is valid, and its name is a model
	 * id. The files' sha256s are the worker's to check when it loads them.
	 * @param directory the folder given with {@code --model-dir}
	 * @return the model
	 * @throws InvalidModelDirectoryException with one line saying what is wrong
	 */
	static ExportedModel read(Path directory) {
		Path folder = directory.toAbsolutePath().normalize();
		String option = "--model-dir " + directory;
		if (!Files.exists(folder)) {
			throw new InvalidModelDirectoryException(option + ": no such folder");
		}
		if (!Files.isDirectory(folder)) {
			throw new InvalidModelDirectoryException(option + ": not a folder (give the folder tools/export-model "
					+ "wrote, the one with " + ModelManifest.FILE + " in it)");
		}
		if (!ModelManifest.present(folder)) {
			throw new InvalidModelDirectoryException(option + ": no " + ModelManifest.FILE + " in it; export a model "
					+ "into it with tools/export-model/export.py (see tools/export-model/README.md)");
		}
		ModelManifest manifest;
		try {
			manifest = ModelManifest.read(folder.resolve(ModelManifest.FILE));
		}
		catch (IOException ex) {
			throw new InvalidModelDirectoryException(option + ": invalid " + ModelManifest.FILE + ": "
					+ oneLine(ex.getMessage()));
		}
		String id = (folder.getFileName() != null) ? folder.getFileName().toString().toLowerCase(Locale.ROOT) : "";
		if (!id.matches("[a-z0-9][a-z0-9._-]{0,99}")) {
			throw new InvalidModelDirectoryException(option + ": the folder's name is the model id, and '" + id
					+ "' is not one (1-100 lower-case letters, digits, '.', '_' or '-'); rename the folder");
		}
		if (id.equals(BUILTIN)) {
			throw new InvalidModelDirectoryException(option + ": the folder's name is the model id, and '" + BUILTIN
					+ "' is the built-in model's; rename the folder");
		}
		return new ExportedModel(id, folder, manifest);
	}

	/**
	 * The worker's properties that serve it: {@code kiln.worker.models[<id>].type=sd-torchscript} and its
	 * {@code location}. Brackets keep an id with a dot in it one map key.
	 */
	Map<String, String> workerProperties() {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("kiln.worker.models[" + this.id + "].type", "sd-torchscript");
		properties.put("kiln.worker.models[" + this.id + "].location", "file:" + this.directory);
		return properties;
	}

	/** The size a job asks for when {@code --width} and {@code --height} are not given: the manifest's first. */
	ModelManifest.Size defaultSize() {
		return this.manifest.sizes().get(0);
	}

	private static String oneLine(String message) {
		return (message != null) ? message.replaceAll("\\s*\\R\\s*", " ") : "unreadable";
	}

	/** {@code --model-dir} names no usable exported model; the message says why in one line. */
	static final class InvalidModelDirectoryException extends IllegalArgumentException {

		InvalidModelDirectoryException(String message) {
			super(message);
		}

	}

}
