package dev.kiln.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.render.sd.ModelManifest;

/**
 * Turns a model location into a local directory, and checks a folder's files against its {@code kiln-model.json}.
 * <ul>
 * <li>{@code file:/path} and plain paths are used as they are.</li>
 * <li>{@code classpath:path} is used in place when it is a directory on disk, otherwise its files are copied into the
 * model cache.</li>
 * <li>{@code s3://bucket/prefix} is downloaded into {@code <model-cache>/<model id>}. With a {@code kiln-model.json}
 * under the prefix, exactly the files it lists are fetched and each is checked against the manifest's size and
 * sha256 (never the ETag: it is not an MD5 under SSE-KMS or for multipart uploads); without one, every object under
 * the prefix is fetched and checked by size only. Each file is fetched in ranged GETs of {@code part-size},
 * {@code parallelism} at a time, into {@code <file>.download} with the finished parts listed in
 * {@code <file>.download.parts}; a failed part is tried again, and a download that still fails keeps its finished
 * parts for the next start. The file is moved into place only once complete and verified, so a crash never leaves a
 * half-written file under its real name. One log line per file. When S3 cannot be listed, a complete earlier
 * download is used.</li>
 * </ul>
 */
final class ModelFiles {

	private static final Logger logger = LoggerFactory.getLogger(ModelFiles.class);

	/** Sizes and ETags of the last complete S3 download, for starting while S3 is unreachable. */
	static final String S3_LISTING = ".kiln-s3-manifest";

	/** Files of the model cache already checked against the manifest: path = size, modification time, sha256. */
	static final String VERIFIED = ".kiln-verified";

	private static final String DOWNLOAD = ".download";

	private static final String PARTS = ".download.parts";

	private final S3Client s3;

	private final Path cache;

	private final WorkerProperties.ModelDownload download;

	ModelFiles(S3Client s3, Path cache, WorkerProperties.ModelDownload download) {
		this.s3 = s3;
		this.cache = cache;
		this.download = download;
	}

	/**
	 * The local directory holding a model's files.
	 * @param modelId the model id (names its cache directory)
	 * @param location the configured location
	 * @return the directory
	 * @throws IOException when the files cannot be fetched, or a downloaded file's sha256 differs from the manifest's
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

	/** Whether a directory is one this class fills (so it may keep a record of the files it verified there). */
	boolean inCache(Path directory) {
		return directory.toAbsolutePath().normalize().startsWith(this.cache.toAbsolutePath().normalize());
	}

	/**
	 * Checks every file the manifest lists: present, of its size, of its sha256.
	 * @param directory the model folder
	 * @param manifest its manifest
	 * @param remember keep a record of the files verified (size, modification time, sha256) in {@value #VERIFIED},
	 * and trust it next time for files whose size and modification time did not change; for the model cache only
	 * @throws IOException naming the first file that is missing or differs
	 */
	static void verify(Path directory, ModelManifest manifest, boolean remember) throws IOException {
		Properties verified = remember ? readProperties(directory.resolve(VERIFIED)) : new Properties();
		boolean changed = false;
		for (Map.Entry<String, ModelManifest.FileEntry> entry : manifest.files().entrySet()) {
			Path file = safeResolve(directory, entry.getKey());
			ModelManifest.FileEntry expected = entry.getValue();
			if (!Files.isRegularFile(file)) {
				throw new IOException(ModelManifest.FILE + " lists " + entry.getKey() + " but " + directory
						+ " has no such file");
			}
			long size = Files.size(file);
			if (size != expected.size()) {
				throw new IOException(entry.getKey() + " is " + size + " bytes but " + ModelManifest.FILE
						+ " says " + expected.size() + "; the file is damaged or from another export");
			}
			String stamp = size + " " + Files.getLastModifiedTime(file).toMillis() + " " + expected.sha256();
			if (stamp.equals(verified.getProperty(entry.getKey()))) {
				continue;
			}
			String actual = sha256(file);
			if (!actual.equals(expected.sha256())) {
				throw new IOException(entry.getKey() + ": sha256 " + actual + " differs from " + expected.sha256()
						+ " in " + ModelManifest.FILE + "; the file is damaged or from another export");
			}
			verified.setProperty(entry.getKey(), stamp);
			changed = true;
		}
		if (remember && changed) {
			writeProperties(directory.resolve(VERIFIED), verified, "Files checked against " + ModelManifest.FILE);
		}
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
		Map<String, S3Object> objects;
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
		Map<String, Wanted> wanted = new LinkedHashMap<>();
		S3Object manifestObject = objects.get(ModelManifest.FILE);
		ModelManifest manifest = null;
		if (manifestObject != null) {
			manifest = fetchManifest(bucket, prefix, target, manifestObject);
			for (Map.Entry<String, ModelManifest.FileEntry> file : manifest.files().entrySet()) {
				S3Object object = objects.get(file.getKey());
				if (object == null) {
					throw new IOException(ModelManifest.FILE + " under " + location + " lists " + file.getKey()
							+ " but there is no such object");
				}
				wanted.put(file.getKey(), new Wanted(object, file.getValue().sha256()));
			}
		}
		else {
			logger.warn("Model {}: {} has no {}: its files are checked by size only (export it with"
					+ " tools/export-model for sha256 checks)", modelId, location, ModelManifest.FILE);
			objects.forEach((relative, object) -> wanted.put(relative, new Wanted(object, null)));
		}
		Properties verified = readProperties(target.resolve(VERIFIED));
		int downloaded = 0;
		for (Map.Entry<String, Wanted> entry : wanted.entrySet()) {
			String relative = entry.getKey();
			Wanted file = entry.getValue();
			Path path = safeResolve(target, relative);
			if (isCurrent(path, file, verified.getProperty(relative))) {
				continue;
			}
			Files.createDirectories(path.getParent());
			fetch(modelId, bucket, file.object(), path, file.sha256());
			if (file.sha256() != null) {
				verified.setProperty(relative,
						Files.size(path) + " " + Files.getLastModifiedTime(path).toMillis() + " " + file.sha256());
				writeProperties(target.resolve(VERIFIED), verified, "Files checked against " + ModelManifest.FILE);
			}
			downloaded++;
		}
		if (manifest != null) {
			verify(target, manifest, true);
		}
		Properties listing = new Properties();
		wanted.forEach((relative, file) -> listing.setProperty(relative,
				file.object().size() + " " + String.valueOf(file.object().eTag()).replace("\"", "")));
		if (manifestObject != null) {
			listing.setProperty(ModelManifest.FILE, manifestObject.size() + " manifest");
		}
		writeProperties(target.resolve(S3_LISTING), listing, "Downloaded from " + location);
		logger.info("Model {}: {} of {} file(s) downloaded from {} into {}, the others were already cached", modelId,
				downloaded, wanted.size(), location, target);
		return target;
	}

	private record Wanted(S3Object object, @Nullable String sha256) {
	}

	/** Kept when its size matches and, with a manifest, its sha256 was verified (or is verified now). */
	private static boolean isCurrent(Path path, Wanted file, @Nullable String stamp) throws IOException {
		if (!Files.isRegularFile(path) || Files.size(path) != file.object().size()) {
			return false;
		}
		if (file.sha256() == null) {
			return true;
		}
		String current = Files.size(path) + " " + Files.getLastModifiedTime(path).toMillis() + " " + file.sha256();
		return current.equals(stamp) || sha256(path).equals(file.sha256());
	}

	private ModelManifest fetchManifest(String bucket, String prefix, Path target, S3Object object)
			throws IOException {
		Path partial = target.resolve(ModelManifest.FILE + DOWNLOAD);
		try (ResponseInputStream<GetObjectResponse> in = this.s3
			.getObject(GetObjectRequest.builder().bucket(bucket).key(object.key()).build())) {
			Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
		}
		ModelManifest manifest;
		try {
			manifest = ModelManifest.read(partial);
		}
		catch (IOException ex) {
			Files.deleteIfExists(partial);
			throw new IOException("s3://" + bucket + "/" + prefix + ModelManifest.FILE + " is not a valid manifest: "
					+ ex.getMessage(), ex);
		}
		move(partial, target.resolve(ModelManifest.FILE));
		return manifest;
	}

	/**
	 * Downloads one object in ranged parts into {@code <file>.download}, resuming the parts listed in
	 * {@code <file>.download.parts}, checks its size and (when known) sha256, and moves it into place.
	 */
	private void fetch(String modelId, String bucket, S3Object object, Path file, @Nullable String sha256)
			throws IOException {
		long start = System.nanoTime();
		long size = object.size();
		long partSize = this.download.partSize().toBytes();
		int parts = (int) Math.max(1, (size + partSize - 1) / partSize);
		Path partial = file.resolveSibling(file.getFileName() + DOWNLOAD);
		Path progress = file.resolveSibling(file.getFileName() + PARTS);
		Set<Integer> done = resumable(partial, progress, size, partSize);
		int resumed = done.size();
		try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
			if (channel.size() != size) {
				channel.truncate(0);
				if (size > 0) {
					channel.write(ByteBuffer.allocate(1), size - 1);
				}
			}
			List<Integer> missing = new ArrayList<>();
			for (int part = 0; part < parts; part++) {
				if (!done.contains(part)) {
					missing.add(part);
				}
			}
			downloadParts(bucket, object.key(), channel, progress, missing, size, partSize);
			channel.force(true);
		}
		if (Files.size(partial) != size) {
			throw new IOException("s3://" + bucket + "/" + object.key() + " downloaded as " + Files.size(partial)
					+ " bytes instead of " + size);
		}
		if (sha256 != null) {
			String actual = sha256(partial);
			if (!actual.equals(sha256)) {
				Files.deleteIfExists(partial);
				Files.deleteIfExists(progress);
				throw new IOException(file.getFileName() + " (s3://" + bucket + "/" + object.key() + "): sha256 "
						+ actual + " differs from " + sha256 + " in " + ModelManifest.FILE
						+ "; the object is damaged or from another export");
			}
		}
		move(partial, file);
		Files.deleteIfExists(progress);
		double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
		logger.info("Model {}: {} ({}) in {} part(s){} downloaded in {} s ({} MB/s){}", modelId, file.getFileName(),
				megabytes(size), parts, (resumed > 0) ? " (" + resumed + " already on disk)" : "",
				String.format(Locale.ROOT, "%.1f", seconds),
				String.format(Locale.ROOT, "%.1f", size / 1e6 / seconds),
				(sha256 != null) ? ", sha256 verified" : ", size checked (no manifest)");
	}

	private void downloadParts(String bucket, String key, FileChannel channel, Path progress, List<Integer> parts,
			long size, long partSize) throws IOException {
		if (parts.isEmpty()) {
			return;
		}
		int threads = Math.min(this.download.parallelism(), parts.size());
		ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform()
			.name("model-download-", 0)
			.daemon(true)
			.factory());
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int part : parts) {
				futures.add(pool.submit(() -> {
					downloadPart(bucket, key, channel, part, size, partSize);
					recordPart(progress, part);
					return null;
				}));
			}
			IOException failure = null;
			for (Future<?> future : futures) {
				try {
					future.get();
				}
				catch (ExecutionException ex) {
					Throwable cause = ex.getCause();
					IOException wrapped = new IOException("Could not download s3://" + bucket + "/" + key + " ("
							+ cause.getMessage() + "); the parts already downloaded are kept for the next try", cause);
					if (failure == null) {
						failure = wrapped;
					}
					else {
						failure.addSuppressed(cause);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IOException("Interrupted while downloading s3://" + bucket + "/" + key, ex);
				}
			}
			if (failure != null) {
				throw failure;
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	private void downloadPart(String bucket, String key, FileChannel channel, int part, long size, long partSize)
			throws IOException {
		long first = part * partSize;
		long last = Math.min(size, first + partSize) - 1;
		RuntimeException lastFailure = null;
		for (int attempt = 1; attempt <= this.download.attempts(); attempt++) {
			try {
				GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(key);
				if (size > 0) {
					request.range("bytes=" + first + "-" + last);
				}
				try (ResponseInputStream<GetObjectResponse> in = this.s3.getObject(request.build())) {
					long position = first;
					byte[] buffer = new byte[1 << 16];
					for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
						ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, read);
						while (bytes.hasRemaining()) {
							position += channel.write(bytes, position);
						}
					}
					if (position != last + 1) {
						throw new IOException("part " + part + " ended at byte " + position + " instead of "
								+ (last + 1));
					}
				}
				return;
			}
			catch (IOException ex) {
				lastFailure = new UncheckedIOException(ex);
			}
			catch (RuntimeException ex) {
				lastFailure = ex;
			}
			if (attempt < this.download.attempts()) {
				logger.warn("Part {} of s3://{}/{} failed ({}); trying again ({} of {})", part, bucket, key,
						lastFailure.getMessage(), attempt + 1, this.download.attempts());
				try {
					Thread.sleep(Duration.ofMillis(200L * attempt));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IOException("Interrupted while downloading s3://" + bucket + "/" + key, ex);
				}
			}
		}
		throw lastFailure;
	}

	/** Appends a finished part to the progress file, after its bytes are on disk. */
	private static synchronized void recordPart(Path progress, int part) throws IOException {
		Files.writeString(progress, part + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
				StandardOpenOption.APPEND, StandardOpenOption.SYNC);
	}

	/** The parts of an earlier, interrupted download of this size that can be kept. */
	private static Set<Integer> resumable(Path partial, Path progress, long size, long partSize) throws IOException {
		Set<Integer> done = new HashSet<>();
		String header = "size " + size + " part-size " + partSize;
		List<String> lines = Files.isRegularFile(progress) ? Files.readAllLines(progress, StandardCharsets.US_ASCII)
				: List.of();
		if (!Files.isRegularFile(partial) || Files.size(partial) != size || lines.isEmpty()
				|| !lines.get(0).equals(header)) {
			Files.writeString(progress, header + "\n", StandardCharsets.US_ASCII);
			return done;
		}
		for (String line : lines.subList(1, lines.size())) {
			if (line.matches("\\d+")) {
				done.add(Integer.parseInt(line));
			}
		}
		return done;
	}

	private Map<String, S3Object> list(String bucket, String prefix) {
		Map<String, S3Object> objects = new LinkedHashMap<>();
		String token = null;
		do {
			ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
			if (token != null) {
				request.continuationToken(token);
			}
			ListObjectsV2Response page = this.s3.listObjectsV2(request.build());
			for (S3Object object : page.contents()) {
				if (!object.key().endsWith("/")) {
					objects.put(object.key().substring(prefix.length()), object);
				}
			}
			token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
		}
		while (token != null);
		return objects;
	}

	private static boolean completeEarlierDownload(Path target) throws IOException {
		Properties listing = readProperties(target.resolve(S3_LISTING));
		for (String relative : listing.stringPropertyNames()) {
			Path file = safeResolve(target, relative);
			long size = Long.parseLong(listing.getProperty(relative).split(" ")[0]);
			if (!Files.isRegularFile(file) || Files.size(file) != size) {
				return false;
			}
		}
		if (listing.isEmpty()) {
			return false;
		}
		if (ModelManifest.present(target)) {
			verify(target, ModelManifest.read(target.resolve(ModelManifest.FILE)), true);
		}
		return true;
	}

	static String sha256(Path file) throws IOException {
		try (InputStream in = Files.newInputStream(file)) {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			byte[] buffer = new byte[1 << 20];
			for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
				digest.update(buffer, 0, read);
			}
			return HexFormat.of().formatHex(digest.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void move(Path from, Path to) throws IOException {
		try {
			Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (AtomicMoveNotSupportedException ex) {
			Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	private static Properties readProperties(Path file) throws IOException {
		Properties properties = new Properties();
		if (Files.isRegularFile(file)) {
			try (InputStream in = Files.newInputStream(file)) {
				properties.load(in);
			}
		}
		return properties;
	}

	private static void writeProperties(Path file, Properties properties, String comment) throws IOException {
		Path partial = file.resolveSibling(file.getFileName() + ".tmp");
		try (var out = Files.newOutputStream(partial)) {
			properties.store(out, comment);
		}
		move(partial, file);
	}

	private static String megabytes(long bytes) {
		return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
	}

	private static Path safeResolve(Path root, String relative) {
		Path file = root.resolve(relative).normalize();
		if (!file.startsWith(root.normalize())) {
			throw new UncheckedIOException(new IOException("Model file " + relative + " lies outside " + root));
		}
		return file;
	}

}
