package dev.kiln.worker.job;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import lombok.RequiredArgsConstructor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.drain.DrainSignal;
import dev.kiln.worker.drain.WorkerExit;

/**
 * The worker's receive loop and its lifecycle.
 * <p>
 * One thread asks {@link Intake} for the messages of the next forward pass (lanes in {@link LaneOrder}, a pass filled
 * as {@link BatchPolicy} allows, the messages that do not fit held for their own pass, next in line);
 * {@link JobProcessor} renders the pass and returns only when each of its messages is deleted or handed back. Then it
 * asks again. Beside it the heartbeat thread ({@link Renewals}) keeps what the worker holds.
 * <p>
 * On {@link #stop() stop} (SIGTERM: Spring closes the context) or when the {@link DrainSignal} is raised (a spot
 * notice), receiving stops at once, messages not started are handed back (visibility 0), and running jobs get
 * {@code kiln.worker.drain-timeout} to finish before they are checkpointed and handed back. Stop returns once the
 * loop has ended. With {@code kiln.worker.max-jobs} taken the worker drains and exits ({@link WorkerExit}).
 */
@Component
@RequiredArgsConstructor
class JobReceiver implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(JobReceiver.class);

	private final Intake intake;

	private final JobProcessor processor;

	private final Renewals renewals;

	private final DrainState drain;

	private final WorkerExit exit;

	private final WorkerProperties properties;

	private final CountDownLatch loopEnded = new CountDownLatch(1);

	private volatile boolean running;

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		this.renewals.start();
		Thread.ofPlatform().name("kiln-worker-receive").start(this::receiveLoop);
		logger.info("Worker {} takes jobs (lanes in priority order, a lower lane's turn after {} jobs)",
				this.properties.id(), this.properties.laneTurnAfter());
	}

	@Override
	public void stop() {
		this.drain.raise("shutting down");
		try {
			long waitMillis = this.properties.drainTimeout().plusSeconds(30).toMillis();
			if (!this.loopEnded.await(waitMillis, TimeUnit.MILLISECONDS)) {
				logger.warn("The receive loop did not end within {} ms", waitMillis);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		synchronized (this) {
			this.running = false;
		}
		this.renewals.stop();
		logger.info("Worker {} stopped", this.properties.id());
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private void receiveLoop() {
		int maxJobs = this.properties.maxJobs();
		int taken = 0;
		try {
			while (!this.drain.draining()) {
				try {
					List<HeldMessage> pass = this.intake.next((maxJobs > 0) ? maxJobs - taken : Integer.MAX_VALUE);
					if (!pass.isEmpty()) {
						taken += pass.size();
						this.processor.process(pass);
						if (maxJobs > 0 && taken >= maxJobs) {
							this.exit.exit("took its " + maxJobs + " job(s) (kiln.worker.max-jobs)");
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
			try {
				List<HeldMessage> waiting = this.intake.drainWaiting();
				if (!waiting.isEmpty()) {
					// the processor hands every message back at once while the worker drains
					this.processor.process(waiting);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Could not hand back the messages held for later: {}", ex.getMessage());
			}
			this.loopEnded.countDown();
			logger.info("Worker {} takes no more jobs ({})", this.properties.id(), this.drain.reason());
		}
	}

	private void pause(Duration duration) {
		try {
			Thread.sleep(duration);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
