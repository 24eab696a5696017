package dev.kiln.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.kiln.worker.GenerationWorkerApplication;

/**
 * Worker processes: {@code java -cp <this JVM's class path> GenerationWorkerApplication}, each incarnation with a new
 * worker id (as a replacement pod would have), its output in {@code <work>/workers/<id>.log}.
 */
final class WorkerFleet implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(WorkerFleet.class);

	private final Map<String, String> properties;

	private final Path logs;

	private final SpotMetadataService spot;

	private final Predicate<String> heartbeating;

	private final AtomicInteger incarnations = new AtomicInteger();

	private final List<Worker> all = new ArrayList<>();

	private final Set<String> ready = ConcurrentHashMap.newKeySet();

	private final List<Duration> startTimes = new CopyOnWriteArrayList<>();

	private final Thread killOnExit = new Thread(this::killAll, "chaos-worker-fleet-exit");

	WorkerFleet(Map<String, String> properties, Path logs, SpotMetadataService spot, Predicate<String> heartbeating) {
		this.properties = properties;
		this.logs = logs;
		this.spot = spot;
		this.heartbeating = heartbeating;
		// worker processes must not outlive a run that is interrupted (Ctrl+C, a Surefire timeout)
		Runtime.getRuntime().addShutdownHook(this.killOnExit);
	}

	/** A running (or exited) worker process. */
	record Worker(String id, Process process, Path log) {
	}

	/**
	 * Starts a worker and waits until it heartbeats (its models are loaded and it receives).
	 * @param startTimeout how long it may take
	 * @return the worker
	 */
	Worker start(Duration startTimeout) {
		String id = "chaos-worker-" + this.incarnations.incrementAndGet();
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		if (Runtime.version().feature() >= 24) {
			command.add("--enable-native-access=ALL-UNNAMED");
			command.add("--sun-misc-unsafe-memory-access=allow");
		}
		command.addAll(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true",
				"-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
				GenerationWorkerApplication.class.getName()));
		Map<String, String> settings = new LinkedHashMap<>(this.properties);
		settings.put("kiln.worker.id", id);
		settings.put("kiln.worker.spot.metadata-url", this.spot.baseUrl(id));
		settings.forEach((name, value) -> command.add("--" + name + "=" + value));
		Path log = this.logs.resolve(id + ".log");
		try {
			Files.createDirectories(this.logs);
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
			String cache = System.getenv("DJL_CACHE_DIR");
			if (cache != null) {
				builder.environment().put("DJL_CACHE_DIR", cache);
			}
			long launched = System.nanoTime();
			Worker worker = new Worker(id, builder.start(), log);
			synchronized (this.all) {
				this.all.add(worker);
			}
			long deadline = System.nanoTime() + startTimeout.toNanos();
			while (!this.heartbeating.test(id)) {
				if (!worker.process().isAlive()) {
					throw new IllegalStateException("Worker " + id + " exited with status "
							+ worker.process().exitValue() + " while starting; see " + log);
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("Worker " + id + " did not heartbeat within " + startTimeout
							+ "; see " + log);
				}
				Thread.sleep(200);
			}
			this.ready.add(id);
			Duration took = Duration.ofNanos(System.nanoTime() - launched);
			this.startTimes.add(took);
			logger.info("Worker {} is up (pid {}) {} ms after its launch", id, worker.process().pid(), took.toMillis());
			return worker;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start worker " + id, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while starting worker " + id, ex);
		}
	}

	/**
	 * How long each worker that came up took from its launch to its first heartbeat, in the order they came up. While
	 * a worker starts it takes no job, so a fleet whose workers are faulted more often than they can start falls
	 * behind the submissions (see {@link ChaosReport.Pace}).
	 */
	List<Duration> startTimes() {
		return List.copyOf(this.startTimes);
	}

	/** Every worker started so far, oldest first. */
	List<Worker> all() {
		synchronized (this.all) {
			return List.copyOf(this.all);
		}
	}

	/** Workers whose process is alive and that have started (heartbeat seen). */
	List<Worker> running() {
		return all().stream()
			.filter((worker) -> this.ready.contains(worker.id()) && worker.process().isAlive())
			.toList();
	}

	/** SIGKILL: the process dies at once, mid-whatever. */
	void kill(Worker worker) {
		worker.process().destroyForcibly();
		await(worker, Duration.ofSeconds(30));
	}

	/** SIGTERM: the worker drains (finishes or checkpoints and hands back) and exits. */
	void terminate(Worker worker, Duration limit) {
		worker.process().destroy();
		if (!await(worker, limit)) {
			logger.warn("Worker {} did not exit within {} of SIGTERM; killing it", worker.id(), limit);
			kill(worker);
		}
	}

	private static boolean await(Worker worker, Duration limit) {
		try {
			return worker.process().waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private void killAll() {
		for (Worker worker : all()) {
			worker.process().destroyForcibly();
		}
	}

	@Override
	public void close() {
		killAll();
		for (Worker worker : all()) {
			await(worker, Duration.ofSeconds(30));
		}
		try {
			Runtime.getRuntime().removeShutdownHook(this.killOnExit);
		}
		catch (IllegalStateException ex) {
			// the JVM is already shutting down; the hook runs anyway
		}
	}

}
