package dev.kiln.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.kiln.chaos.WorkerFleet.Worker;

/**
 * Injects a fixed number of faults of each kind at seeded random moments of the fault window. A worker that is killed,
 * terminated or reclaimed after a spot notice is replaced by a new worker process (as Kubernetes and Karpenter would
 * replace the pod), so the fleet keeps its size.
 */
final class FaultInjector {

	private static final Logger logger = LoggerFactory.getLogger(FaultInjector.class);

	private static final Duration WORKER_START_LIMIT = Duration.ofMinutes(3);

	/** The kinds of fault. */
	enum Kind {

		/** SIGKILL of a worker process: a crash, an OOM kill, a node lost without warning. */
		SIGKILL,

		/** SIGTERM of a worker process: a scale-in, a rollout, a node drain. */
		SIGTERM,

		/** An EC2 spot interruption notice, then SIGTERM once the worker drained (the instance is reclaimed). */
		SPOT_NOTICE,

		/** Redis stops and comes back on the same address with what it acknowledged. */
		REDIS_RESTART,

		/** SQS refuses connections for a while and comes back with the same queues and messages. */
		SQS_RESTART

	}

	/**
	 * One injected fault.
	 * @param at when it was injected
	 * @param kind what
	 * @param target the worker, or {@code redis}/{@code sqs}
	 * @param detail outage length, or what happened
	 */
	record Fault(Instant at, Kind kind, String target, String detail) {

		/** The fault as a line of the report's fault log: {@code at kind target (detail)}. */
		@Override
		public String toString() {
			return this.at + " " + this.kind + " " + this.target + " (" + this.detail + ")";
		}

	}

	private final ChaosStack stack;

	private final ChaosOptions options;

	private final Random random;

	private final List<Fault> injected = new CopyOnWriteArrayList<>();

	private final List<Throwable> errors = new CopyOnWriteArrayList<>();

	private final Set<String> doomed = ConcurrentHashMap.newKeySet();

	private final List<Thread> replacements = new CopyOnWriteArrayList<>();

	FaultInjector(ChaosStack stack, ChaosOptions options) {
		this.stack = stack;
		this.options = options;
		this.random = new Random(options.seed());
	}

	/**
	 * The schedule: each fault's kind and its offset into the window, in order.
	 * @param options the counts and the window
	 * @param random the run's seeded random
	 * @return the faults in the order they are injected
	 */
	static List<Scheduled> schedule(ChaosOptions options, Random random) {
		List<Kind> kinds = new ArrayList<>();
		add(kinds, Kind.SIGKILL, options.sigkills());
		add(kinds, Kind.SIGTERM, options.sigterms());
		add(kinds, Kind.SPOT_NOTICE, options.spotNotices());
		add(kinds, Kind.REDIS_RESTART, options.redisRestarts());
		add(kinds, Kind.SQS_RESTART, options.sqsRestarts());
		Collections.shuffle(kinds, random);
		List<Long> offsets = new ArrayList<>();
		long window = options.faultWindow().toMillis();
		for (int i = 0; i < kinds.size(); i++) {
			// not in the first two seconds: let the first jobs get going
			offsets.add(Math.min(window, 2000) + (long) (random.nextDouble() * Math.max(1, window - 2000)));
		}
		Collections.sort(offsets);
		List<Scheduled> schedule = new ArrayList<>();
		for (int i = 0; i < kinds.size(); i++) {
			schedule.add(new Scheduled(kinds.get(i), Duration.ofMillis(offsets.get(i))));
		}
		return schedule;
	}

	private static void add(List<Kind> kinds, Kind kind, int count) {
		for (int i = 0; i < count; i++) {
			kinds.add(kind);
		}
	}

	/**
	 * A planned fault.
	 * @param kind what
	 * @param offset when, from the start of the window
	 */
	record Scheduled(Kind kind, Duration offset) {
	}

	/**
	 * Runs the schedule on the calling thread, from now; returns once every fault is injected and every replaced
	 * worker is up again.
	 */
	void run() throws InterruptedException {
		long start = System.nanoTime();
		for (Scheduled next : schedule(this.options, this.random)) {
			long wait = next.offset().toNanos() - (System.nanoTime() - start);
			if (wait > 0) {
				Thread.sleep(Duration.ofNanos(wait));
			}
			try {
				inject(next.kind());
			}
			catch (RuntimeException ex) {
				logger.error("Injecting {} failed", next.kind(), ex);
				this.errors.add(ex);
			}
		}
		for (Thread thread : this.replacements) {
			thread.join();
		}
	}

	private void inject(Kind kind) throws InterruptedException {
		switch (kind) {
			case REDIS_RESTART -> {
				Duration downtime = downtime();
				long stopping = System.nanoTime();
				this.stack.redis.stop();
				Thread.sleep(downtime);
				resume(this.stack.redis::resume);
				record(kind, "redis", "down " + (System.nanoTime() - stopping) / 1_000_000 + " ms");
			}
			case SQS_RESTART -> {
				Duration downtime = downtime();
				long stopping = System.nanoTime();
				this.stack.sqs.stop();
				Thread.sleep(downtime);
				resume(this.stack.sqs::resume);
				record(kind, "sqs", "down " + (System.nanoTime() - stopping) / 1_000_000 + " ms");
			}
			default -> {
				Worker target = awaitWorker();
				if (target == null) {
					throw new IllegalStateException(kind + " not injected: no worker was running for "
							+ WORKER_START_LIMIT);
				}
				this.doomed.add(target.id());
				record(kind, target.id(), "pid " + target.process().pid());
				replace(kind, target);
			}
		}
	}

	/** Starts a server again, retrying a few times should its port not be free yet. */
	private static void resume(Runnable resume) throws InterruptedException {
		for (int attempt = 1;; attempt++) {
			try {
				resume.run();
				return;
			}
			catch (RuntimeException ex) {
				if (attempt == 10) {
					throw ex;
				}
				logger.warn("Could not restart the server (attempt {}): {}", attempt, ex.toString());
				Thread.sleep(Duration.ofMillis(500));
			}
		}
	}

	private Duration downtime() {
		long max = this.options.maxDowntime().toMillis();
		return Duration.ofMillis(Math.max(200, (long) (this.random.nextDouble() * max)));
	}

	/** A running worker not already being faulted; waits while every worker is being replaced. */
	private @Nullable Worker awaitWorker() throws InterruptedException {
		long deadline = System.nanoTime() + WORKER_START_LIMIT.toNanos();
		Worker target = pickWorker();
		while (target == null && System.nanoTime() < deadline) {
			Thread.sleep(Duration.ofMillis(200));
			target = pickWorker();
		}
		return target;
	}

	private @Nullable Worker pickWorker() {
		List<Worker> candidates = this.stack.workers.running()
			.stream()
			.filter((worker) -> !this.doomed.contains(worker.id()))
			.toList();
		return candidates.isEmpty() ? null : candidates.get(this.random.nextInt(candidates.size()));
	}

	private void replace(Kind kind, Worker target) {
		Thread thread = Thread.ofVirtual().name("chaos-" + kind + "-" + target.id()).start(() -> {
			try {
				switch (kind) {
					case SIGKILL -> this.stack.workers.kill(target);
					case SIGTERM -> this.stack.workers.terminate(target, Duration.ofSeconds(60));
					default -> {
						this.stack.spot.interrupt(target.id());
						awaitDrain(target);
						this.stack.workers.terminate(target, Duration.ofSeconds(60));
					}
				}
				this.stack.workers.start(WORKER_START_LIMIT);
			}
			catch (RuntimeException ex) {
				logger.error("Replacing {} after {} failed", target.id(), kind, ex);
				this.errors.add(ex);
			}
		});
		this.replacements.add(thread);
	}

	private static void awaitDrain(Worker worker) {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (System.nanoTime() < deadline && worker.process().isAlive()) {
			try {
				if (Files.readString(worker.log()).contains("Draining: EC2 spot interruption notice")) {
					// a real instance has two minutes; this one gets the drain timeout and a little more
					Thread.sleep(Duration.ofSeconds(4));
					return;
				}
				Thread.sleep(Duration.ofMillis(200));
			}
			catch (IOException ex) {
				return;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void record(Kind kind, String target, String detail) {
		logger.info("Fault: {} {} ({})", kind, target, detail);
		this.injected.add(new Fault(Instant.now(), kind, target, detail));
	}

	List<Fault> injected() {
		return List.copyOf(this.injected);
	}

	List<Throwable> errors() {
		return List.copyOf(this.errors);
	}

}
