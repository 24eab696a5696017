package dev.kiln.worker.job;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.kiln.contract.Lane;
import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.drain.DrainSignal;

/**
 * The worker's receive loop and heartbeat.
 * <p>
 * One thread asks the lanes for work in {@link LaneOrder} (long polls of {@code kiln.worker.poll-wait}), takes at most
 * {@code kiln.worker.receive-batch} messages (1 by default: no more in hand than it can start now, no hidden
 * prefetch), and hands them to {@link JobProcessor}, which returns only when each is deleted or handed back. Then it
 * asks again.
 * <p>
 * Every {@code kiln.worker.heartbeat-interval} a second thread renews the visibility of every message in hand (capped
 * at 12 hours after it was received), renews the leases of the jobs in hand and writes the worker's heartbeat.
 * <p>
 * On {@link #stop() stop} (SIGTERM: Spring closes the context) or when the {@link DrainSignal} is raised (a spot
 * notice), receiving stops at once, messages not started are handed back (visibility 0), and running jobs get
 * {@code kiln.worker.drain-timeout} to finish before they are checkpointed and handed back. Stop returns once the
 * loop has ended.
 */
@Component
class JobReceiver implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(JobReceiver.class);

	private final JobQueues queues;

	private final JobProcessor processor;

	private final JobRecords records;

	private final WorkerActivity activity;

	private final HeartbeatPublisher heartbeat;

	private final DrainSignal signal;

	private final DrainState drain;

	private final WorkerProperties.Worker settings;

	private final LaneOrder lanes;

	private final CountDownLatch loopEnded = new CountDownLatch(1);

	private volatile boolean running;

	private @Nullable ScheduledExecutorService beats;

	private final ConfigurableApplicationContext context;

	JobReceiver(JobQueues queues, JobProcessor processor, JobRecords records, WorkerActivity activity,
			HeartbeatPublisher heartbeat, DrainSignal signal, DrainState drain, WorkerProperties properties,
			ConfigurableApplicationContext context) {
		this.context = context;
		this.queues = queues;
		this.processor = processor;
		this.records = records;
		this.activity = activity;
		this.heartbeat = heartbeat;
		this.signal = signal;
		this.drain = drain;
		this.settings = properties.worker();
		this.lanes = new LaneOrder(this.settings.laneTurnAfter());
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		ScheduledExecutorService executor = Executors
			.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("kiln-worker-heartbeat").factory());
		long period = this.settings.heartbeatInterval().toMillis();
		executor.scheduleWithFixedDelay(this::beat, 0, period, TimeUnit.MILLISECONDS);
		this.beats = executor;
		Thread.ofPlatform().name("kiln-worker-receive").start(this::receiveLoop);
		logger.info("Worker {} takes jobs (lanes in priority order, a lower lane's turn after {} jobs)",
				this.settings.id(), this.settings.laneTurnAfter());
	}

	@Override
	public void stop() {
		this.signal.raise("shutting down");
		try {
			long waitMillis = this.settings.drainTimeout().plusSeconds(30).toMillis();
			if (!this.loopEnded.await(waitMillis, TimeUnit.MILLISECONDS)) {
				logger.warn("The receive loop did not end within {} ms", waitMillis);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		synchronized (this) {
			if (this.beats != null) {
				this.beats.shutdownNow();
				this.beats = null;
			}
			this.running = false;
		}
		try {
			this.heartbeat.remove();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not remove the heartbeat: {}", ex.getMessage());
		}
		logger.info("Worker {} stopped", this.settings.id());
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private void receiveLoop() {
		int maxJobs = this.settings.maxJobs();
		int taken = 0;
		try {
			while (!this.drain.draining()) {
				try {
					List<HeldMessage> received = receive(
							(maxJobs > 0) ? Math.min(this.settings.receiveBatch(), maxJobs - taken) : this.settings.receiveBatch());
					if (!received.isEmpty()) {
						taken += received.size();
						this.processor.process(received);
						if (maxJobs > 0 && taken >= maxJobs) {
							this.signal.raise("took its " + maxJobs + " job(s) (kiln.worker.max-jobs)");
							exitWhenStopped();
						}
					}
				}
				catch (RuntimeException ex) {
					// JobProcessor settles every message itself; this is a fault outside any job: keep taking work
					logger.error("Unexpected fault in the receive loop; carrying on", ex);
					pause(Duration.ofSeconds(1));
				}
			}
		}
		finally {
			this.loopEnded.countDown();
			logger.info("Worker {} takes no more jobs ({})", this.settings.id(), this.signal.reason());
		}
	}

	/**
	 * With {@code max-jobs} reached the process exits with status 0 once the context has stopped, so a Kubernetes Job
	 * (KEDA ScaledJob mode) completes. Runs on its own thread: closing the context waits for this loop to end.
	 */
	private void exitWhenStopped() {
		Thread.ofPlatform().name("kiln-worker-exit").start(() -> System.exit(SpringApplication.exit(this.context)));
	}

	/** Asks the lanes in order and returns the first messages any of them gives; empty when none has work. */
	private List<HeldMessage> receive(int batch) {
		List<Lane> order = this.lanes.next();
		for (int i = 0; i < order.size(); i++) {
			Lane lane = order.get(i);
			if (this.drain.draining()) {
				return List.of();
			}
			// Only the last lane of a round long-polls: an empty higher lane must not delay work waiting below it.
			Duration wait = (i == order.size() - 1) ? this.settings.pollWait() : Duration.ZERO;
			List<HeldMessage> taken;
			try {
				taken = this.queues.receive(lane, batch, wait);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not receive from the {} lane: {}", lane.wireName(), ex.getMessage());
				pause(Duration.ofSeconds(1));
				return List.of();
			}
			if (!taken.isEmpty()) {
				this.lanes.took(lane);
				return taken;
			}
			this.lanes.empty(lane);
		}
		return List.of();
	}

	private void pause(Duration duration) {
		try {
			Thread.sleep(duration);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Renews every message's visibility and every job's lease, and writes the heartbeat. */
	void beat() {
		for (HeldMessage message : this.activity.held()) {
			long remaining = Backoff.SQS_MAX_VISIBILITY.minus(message.held()).toSeconds() - 1;
			int seconds = (int) Math.min(this.settings.visibilityTimeout().toSeconds(), remaining);
			if (seconds > 0) {
				try {
					this.queues.changeVisibility(message, seconds);
				}
				catch (RuntimeException ex) {
					logger.warn("Could not extend the visibility of message {}: {}", message.messageId(),
							ex.getMessage());
				}
			}
		}
		for (String jobId : this.activity.leases()) {
			try {
				if (!this.records.renew(jobId, this.settings.id(), this.settings.leaseTtl())) {
					logger.warn("Lost the lease of job {}; another worker may render it too", jobId);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Could not renew the lease of job {}: {}", jobId, ex.getMessage());
			}
		}
		try {
			this.heartbeat.beat();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not write the heartbeat: {}", ex.getMessage());
		}
	}

}
