package dev.kiln.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chaos run: start the stack and the worker processes, submit the jobs while the fault injector works, wait until
 * the system has settled (every job finished, the jobs queues empty), check the invariants and write the report.
 */
public final class ChaosRun {

	private static final Logger logger = LoggerFactory.getLogger(ChaosRun.class);

	private static final Duration WORKER_START_LIMIT = Duration.ofMinutes(3);

	private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(20);

	private final ChaosOptions options;

	private final Path work;

	ChaosRun(ChaosOptions options, Path work) {
		this.options = options;
		this.work = work;
	}

	/**
	 * Runs it.
	 * @return the report; {@link ChaosReport#violations()} is empty when nothing was lost
	 */
	ChaosReport run() throws InterruptedException {
		try (ChaosStack stack = ChaosStack.start(this.work, this.options)) {
			for (int i = 0; i < this.options.workers(); i++) {
				// one at a time: the first creates the built-in model's parameters in the shared model cache
				stack.workers.start(WORKER_START_LIMIT);
			}
			Submitter submitter = new Submitter(stack, this.options);
			FaultInjector injector = new FaultInjector(stack, this.options);
			AtomicReference<Throwable> injectorFailure = new AtomicReference<>();
			Thread faults = Thread.ofPlatform().name("chaos-fault-injector").start(() -> {
				try {
					injector.run();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				catch (RuntimeException ex) {
					injectorFailure.set(ex);
				}
			});
			long begin = System.nanoTime();
			submitter.run();
			Duration submitting = Duration.ofNanos(System.nanoTime() - begin);
			logger.info("Submitted {} jobs in {}; {} accepted", this.options.jobs(), submitting,
					submitter.accepted.size());
			faults.join();
			long settleStart = System.nanoTime();
			InvariantChecker checker = new InvariantChecker(stack);
			int backlog = backlog(checker, submitter.accepted.keySet());
			if (backlog > 0) {
				logger.info("{} jobs unfinished at the end of the fault window: the settle time includes working "
						+ "them off (worker starts, launch to heartbeat: {})", backlog,
						new ChaosReport.Pace(backlog, stack.workers.startTimes()).workerStartSummary());
			}
			long deadline = settleStart + this.options.settleLimit().toNanos();
			long nextProgress = settleStart;
			while (System.nanoTime() < deadline && !settled(checker, submitter.accepted.keySet())) {
				if (System.nanoTime() >= nextProgress) {
					logProgress(checker, submitter.accepted.keySet());
					nextProgress = System.nanoTime() + PROGRESS_INTERVAL.toNanos();
				}
				Thread.sleep(1000);
			}
			if (System.nanoTime() >= deadline) {
				logProgress(checker, submitter.accepted.keySet());
			}
			Duration settling = Duration.ofNanos(System.nanoTime() - settleStart);
			List<String> orphans = new ArrayList<>();
			List<JobObservation> observations = checker.observe(submitter.accepted, orphans);
			List<String> errors = new ArrayList<>();
			injector.errors().forEach((error) -> errors.add(error.toString()));
			if (injectorFailure.get() != null) {
				errors.add(injectorFailure.get().toString());
			}
			if (injector.injected().size() != this.options.faults()) {
				errors.add("injected " + injector.injected().size() + " of " + this.options.faults() + " faults");
			}
			ChaosReport report = new ChaosReport(this.options, this.options.jobs(), submitter.retries.get(),
					Map.copyOf(submitter.retryReasons),
					List.copyOf(submitter.rejected), observations, orphans, checker.messagesInJobQueues(),
					checker.deadLetters(), injector.injected(), errors, submitting, settling,
					new ChaosReport.Pace(backlog, stack.workers.startTimes()));
			write(report, injector);
			return report;
		}
	}

	/**
	 * Runs the chaos run outside a test (options from {@code -Dkiln.chaos.*}; the report goes to
	 * {@code kiln.chaos.work-dir}, default {@code target/chaos/run-<seed>-<millis>}); exits 0 when no invariant was
	 * breached, 1 otherwise.
	 * @param args none
	 */
	public static void main(String[] args) throws InterruptedException {
		ChaosOptions options = ChaosOptions.from(System.getProperties());
		Path work = Path.of(System.getProperty("kiln.chaos.work-dir",
				"target/chaos/run-" + options.seed() + "-" + System.currentTimeMillis()));
		ChaosReport report = new ChaosRun(options, work).run();
		System.exit(report.violations().isEmpty() ? 0 : 1);
	}

	private static boolean settled(InvariantChecker checker, Set<String> accepted) {
		try {
			return checker.allFinished(accepted) && checker.messagesInJobQueues() == 0;
		}
		catch (RuntimeException ex) {
			logger.info("Not settled yet: {}", ex.toString());
			return false;
		}
	}

	private static int backlog(InvariantChecker checker, Set<String> accepted) {
		try {
			return checker.unfinished(accepted);
		}
		catch (RuntimeException ex) {
			logger.info("Could not count the unfinished jobs: {}", ex.toString());
			return -1;
		}
	}

	private static void logProgress(InvariantChecker checker, Set<String> accepted) {
		try {
			logger.info("Settling: {}", checker.progress(accepted));
		}
		catch (RuntimeException ex) {
			logger.info("Settling: could not read progress: {}", ex.toString());
		}
	}

	private void write(ChaosReport report, FaultInjector injector) {
		StringBuilder out = new StringBuilder("# Chaos run\n\n").append(report.toMarkdown()).append("\n## Faults\n\n");
		for (FaultInjector.Fault fault : injector.injected()) {
			out.append("- ").append(fault).append('\n');
		}
		Path file = this.work.resolve("report.md");
		try {
			Files.createDirectories(this.work);
			Files.writeString(file, out);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not write " + file, ex);
		}
		logger.info("Chaos run report ({}):\n{}", file, out);
	}

}
