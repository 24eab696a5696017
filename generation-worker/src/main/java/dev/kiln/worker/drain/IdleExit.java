package dev.kiln.worker.drain;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.kiln.worker.WorkerProperties;

/**
 * Ends the process with status 0 once the worker has had nothing in hand for {@code kiln.worker.max-idle} (unset:
 * never). Meant for KEDA's ScaledJob mode: KEDA may start a Job for a message another Job then takes, and without
 * this its worker would wait for work, holding a GPU node, until the Job's {@code activeDeadlineSeconds}. It ends
 * through {@link WorkerExit}, the same drain as {@code max-jobs}; a drain already under way (SIGTERM, a spot notice) is
 * left alone.
 */
@Component
class IdleExit implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(IdleExit.class);

	private static final Duration LONGEST_CHECK_INTERVAL = Duration.ofSeconds(1);

	private final @Nullable Duration maxIdle;

	private final ObjectProvider<WorkInHand> work;

	private final Clock clock;

	private final WorkerExit exit;

	private volatile @Nullable Instant lastBusy;

	private @Nullable ScheduledExecutorService scheduler;

	@Autowired
	IdleExit(WorkerProperties properties, ObjectProvider<WorkInHand> work, Clock clock, WorkerExit exit) {
		this(properties.maxIdle(), work, clock, exit);
	}

	IdleExit(@Nullable Duration maxIdle, ObjectProvider<WorkInHand> work, Clock clock, WorkerExit exit) {
		this.maxIdle = maxIdle;
		this.work = work;
		this.clock = clock;
		this.exit = exit;
	}

	/** Starts the idle clock; the worker takes jobs from now on. */
	@Override
	public synchronized void start() {
		if (this.maxIdle == null || this.scheduler != null) {
			return;
		}
		startClock();
		ScheduledExecutorService executor = Executors
			.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("kiln-idle-exit").factory());
		long period = Math.max(1, Math.min(this.maxIdle.toMillis() / 4, LONGEST_CHECK_INTERVAL.toMillis()));
		executor.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
		this.scheduler = executor;
		logger.info("The worker exits after {} with nothing in hand (kiln.worker.max-idle)", this.maxIdle);
	}

	@Override
	public synchronized void stop() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
			this.scheduler = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

	/** Starts the idle clock without the scheduler; {@link #start()} does both. Package-private for tests. */
	void startClock() {
		this.lastBusy = this.clock.instant();
	}

	/** Looks once: restarts the idle clock when there is work in hand, ends the process when idle long enough. */
	void check() {
		Duration limit = this.maxIdle;
		Instant since = this.lastBusy;
		if (limit == null || since == null || this.exit.draining()) {
			return;
		}
		Instant now = this.clock.instant();
		if (this.work.getObject().any()) {
			this.lastBusy = now;
			return;
		}
		if (Duration.between(since, now).compareTo(limit) >= 0) {
			this.exit.exitUnlessDraining("nothing in hand for " + limit + " (kiln.worker.max-idle)");
		}
	}

}
