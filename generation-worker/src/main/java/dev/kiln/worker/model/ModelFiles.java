package dev.kiln.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Turns a model location into a local directory.
 * <ul>
 * <li>{@code file:/path} and plain paths are used as they are.</li>
 * <li>{@code classpath:path} is used in place when it is a directory on disk, otherwise its files are copied into the
 * model cache.</li>
 * <li>{@code s3://bucket/prefix} is downloaded into {@code <model-cache>/<model id>} once: a file whose size and
 * checksum (the object's MD5 ETag, for objects uploaded in one part; the size alone for multipart uploads) match the
 * object is kept, so a restart downloads nothing. Each file is downloaded to a temporary name and moved into place,
 * so a crash never leaves a half-written file under its real name. When S3 cannot be listed, a complete earlier
 * download (its manifest present and every file of the size it lists) is used.</li>
 * </ul>
 */
final class ModelFiles {

	private static final Logger logger = LoggerFactory.getLogger(ModelFiles.class);

	static final String MANIFEST = ".kiln-s3-manifest";

	private final S3Client s3;

	private final Path cache;

	ModelFiles(S3Client s3, Path cache) {
		this.s3 = s3;
		this.cache = cache;
	}

	/**
	 * The local directory holding a model's files.
	 * @param modelId the model id (names its cache directory)
	 * @param location the configured location
	 * @return the directory
	 * @throws IOException when the files cannot be fetched
	 */
	Path directory(String modelId, String location) throws IOException {
		if (location.startsWith("s3://")) {
			return fromS3(modelId, location);
		}
		if (location.startsWith("classpath:")) {
			return fromClasspath(modelId, location.substring("classpath:".length()));
		}
		return Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
	}

	private Path fromClasspath(String modelId, String path) throws IOException {
		String folder = path.replaceAll("^/+", "").replaceAll("/+$", "");
		PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();
		Resource root = resolver.getResource("classpath:" + folder + "/");
		if (root.exists() && root.isFile() && root.getFile().isDirectory()) {
			return root.getFile().toPath();
		}
		Path target = this.cache.resolve(modelId);
		Files.createDirectories(target);
		int copied = 0;
		for (Resource resource : resolver.getResources("classpath*:" + folder + "/**")) {
			String url = resource.getURL().toString();
			int at = url.lastIndexOf(folder + "/");
			String relative = (at >= 0) ? url.substring(at + folder.length() + 1) : "";
			if (relative.isEmpty() || relative.endsWith("/") || !resource.isReadable()) {
				continue;
			}
			Path file = safeResolve(target, relative);
			Files.createDirectories(file.getParent());
			try (InputStream in = resource.getInputStream()) {
				Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
			}
			copied++;
		}
		if (copied == 0) {
			throw new IOException("No files under classpath:" + folder);
		}
		return target;
	}

	private Path fromS3(String modelId, String location) throws IOException {
		String rest = location.substring("s3://".length());
		int slash = rest.indexOf('/');
		String bucket = (slash < 0) ? rest : rest.substring(0, slash);
		String prefix = (slash < 0) ? "" : rest.substring(slash + 1);
		if (!prefix.isEmpty() && !prefix.endsWith("/")) {
			prefix = prefix + "/";
		}
		Path target = this.cache.resolve(modelId);
		Files.createDirectories(target);
		List<S3Object> objects;
		try {
			objects = list(bucket, prefix);
		}
		catch (RuntimeException ex) {
			if (completeEarlierDownload(target)) {
				logger.warn("Could not list {} ({}); using the earlier download in {}", location, ex.getMessage(),
						target);
				return target;
			}
			throw new IOException("Could not list " + location + " and there is no complete earlier download in "
					+ target + ": " + ex.getMessage(), ex);
		}
		if (objects.isEmpty()) {
			throw new IOException("No objects under " + location);
		}
		Properties manifest = new Properties();
		int downloaded = 0;
		for (S3Object object : objects) {
			String relative = object.key().substring(prefix.length());
			Path file = safeResolve(target, relative);
			String etag = object.eTag().replace("\"", "");
			manifest.setProperty(relative, object.size() + " " + etag);
			if (matches(file, object.size(), etag)) {
				continue;
			}
			Files.createDirectories(file.getParent());
			Path partial = file.resolveSibling(file.getFileName() + ".part");
			String key = object.key();
			this.s3.getObject((request) -> request.bucket(bucket).key(key), ResponseTransformer.toFile(partial));
			try {
				if (!matches(partial, object.size(), etag)) {
					throw new IOException("Downloaded s3://" + bucket + "/" + key + " does not match its size "
							+ object.size() + " or checksum " + etag);
				}
				Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			}
			finally {
				Files.deleteIfExists(partial);
			}
			downloaded++;
		}
		Path manifestFile = target.resolve(MANIFEST);
		try (var out = Files.newOutputStream(manifestFile)) {
			manifest.store(out, "Downloaded from " + location);
		}
		logger.info("Model {}: {} of {} file(s) downloaded from {} into {}, the others were already cached", modelId,
				downloaded, objects.size(), location, target);
		return target;
	}

	private List<S3Object> list(String bucket, String prefix) {
		List<S3Object> objects = new ArrayList<>();
		this.s3.listObjectsV2Paginator((request) -> request.bucket(bucket).prefix(prefix))
			.contents()
			.forEach((object) -> {
				if (!object.key().endsWith("/")) {
					objects.add(object);
				}
			});
		return objects;
	}

	private static boolean completeEarlierDownload(Path target) throws IOException {
		Path manifestFile = target.resolve(MANIFEST);
		if (!Files.isRegularFile(manifestFile)) {
			return false;
		}
		Properties manifest = new Properties();
		try (var in = Files.newInputStream(manifestFile)) {
			manifest.load(in);
		}
		for (String relative : manifest.stringPropertyNames()) {
			Path file = safeResolve(target, relative);
			long size = Long.parseLong(manifest.getProperty(relative).split(" ")[0]);
			if (!Files.isRegularFile(file) || Files.size(file) != size) {
				return false;
			}
		}
		return !manifest.isEmpty();
	}

	/** Size always; MD5 too when the ETag is one (single-part uploads: 32 hex digits). */
	static boolean matches(Path file, long size, String etag) throws IOException {
		if (!Files.isRegularFile(file) || Files.size(file) != size) {
			return false;
		}
		if (!etag.matches("[0-9a-fA-F]{32}")) {
			return true;
		}
		return md5(file).equalsIgnoreCase(etag);
	}

	private static String md5(Path file) throws IOException {
		try (InputStream in = Files.newInputStream(file)) {
			MessageDigest digest = MessageDigest.getInstance("MD5");
			byte[] buffer = new byte[1 << 16];
			for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
				digest.update(buffer, 0, read);
			}
			return HexFormat.of().formatHex(digest.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Path safeResolve(Path root, String relative) {
		Path file = root.resolve(relative).normalize();
		if (!file.startsWith(root.normalize())) {
			throw new UncheckedIOException(new IOException("Model file " + relative + " lies outside " + root));
		}
		return file;
	}

}
