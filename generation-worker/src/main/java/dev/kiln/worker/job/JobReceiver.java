package dev.kiln.worker.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 * One thread asks the lanes for work in {@link LaneOrder} (a round of short polls; when every lane is empty, a long
 * poll of {@code kiln.worker.poll-wait} on every lane at once), takes at most {@code kiln.worker.receive-batch}
 * messages per lane, or with dynamic batching ({@code kiln.worker.batching.enabled}, the default) enough to fill the
 * largest pass of a model that batches (at most 10); only when long polls of several lanes answer in the same moment
 * does an idle worker hold one batch per lane. {@link PassFiller} makes one forward pass of the compatible jobs in
 * hand and, when the lane has a backlog, fills it from the lane as {@link BatchPolicy} allows; the messages that do not
 * fit are held for their own pass, next in line. {@link JobProcessor} renders the pass and returns only when each of
 * its messages is deleted or handed back. Then it asks again.
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

	/** How much longer than {@code poll-wait} a long poll may take to answer before it is given up on for now. */
	private static final long POLL_GRACE_MILLIS = 2_000;

	private final JobQueues queues;

	private final JobProcessor processor;

	private final JobRecords records;

	private final WorkerActivity activity;

	private final HeartbeatPublisher heartbeat;

	private final DrainSignal signal;

	private final DrainState drain;

	private final WorkerProperties.Worker settings;

	private final LaneOrder lanes;

	private final PassFiller filler;

	private final CountDownLatch loopEnded = new CountDownLatch(1);

	/** Long polls in flight, at most one per lane; only the receive loop touches them. */
	private final Map<Lane, CompletableFuture<List<HeldMessage>>> polls = new EnumMap<>(Lane.class);

	/** Messages long polls brought that wait for their turn; held, so their visibility is renewed. */
	private final List<HeldMessage> waiting = new ArrayList<>();

	private volatile boolean running;

	private @Nullable ScheduledExecutorService beats;

	private final ConfigurableApplicationContext context;

	JobReceiver(JobQueues queues, JobProcessor processor, JobRecords records, WorkerActivity activity,
			HeartbeatPublisher heartbeat, DrainSignal signal, DrainState drain, PassFiller filler,
			WorkerProperties properties, ConfigurableApplicationContext context) {
		this.context = context;
		this.filler = filler;
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
					int room = (maxJobs > 0) ? maxJobs - taken : Integer.MAX_VALUE;
					List<HeldMessage> received = receive(
							Math.min(this.filler.receiveCount(this.settings.receiveBatch()), room));
					if (!received.isEmpty()) {
						PassFiller.Pass pass = this.filler.fill(received, Math.max(received.size(), room),
								this.drain::draining);
						// held for their own pass, first in line: the next round takes them before receiving more
						pass.later().forEach(this.activity::hold);
						this.waiting.addAll(0, pass.later());
						taken += pass.messages().size();
						this.processor.process(pass.messages());
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
			try {
				handBackWaiting();
			}
			catch (RuntimeException ex) {
				logger.warn("Could not hand back the messages held for later: {}", ex.getMessage());
			}
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

	/**
	 * Returns the next messages to work on, all from one lane; empty when no lane has work.
	 * <p>
	 * First what earlier long polls brought, highest lane first. Then one round of short polls (no wait) over the
	 * lanes in {@link LaneOrder} order, so a busy worker always takes the highest lane that has work. Only when every
	 * lane is empty does it long-poll, and then every lane at once: a job arriving on any lane is picked up as soon as
	 * it arrives, instead of after the poll of another lane runs out. The other lanes' polls run out within
	 * {@code poll-wait}; what they bring meanwhile (at most one batch per lane) is held from the moment it arrives
	 * (visibility renewed with the heartbeat) and handled next, in lane order.
	 */
	private List<HeldMessage> receive(int batch) {
		collectPolls();
		if (!this.waiting.isEmpty()) {
			return takeWaiting();
		}
		List<Lane> order = this.lanes.next();
		for (Lane lane : order) {
			if (this.drain.draining()) {
				return List.of();
			}
			if (this.polls.containsKey(lane)) {
				continue; // a long poll is listening on this lane and brings what arrives
			}
			List<HeldMessage> taken;
			try {
				taken = this.queues.receive(lane, batch, Duration.ZERO);
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
		if (this.drain.draining()) {
			return List.of();
		}
		for (Lane lane : Lane.values()) {
			if (!this.polls.containsKey(lane)) {
				// held the moment they arrive, so their visibility is renewed even while the worker is busy
				this.polls.put(lane, this.queues.receiveAsync(lane, batch, this.settings.pollWait())
					.whenComplete((messages, failure) -> {
						if (messages != null) {
							messages.forEach(this.activity::hold);
						}
					}));
			}
		}
		try {
			CompletableFuture.anyOf(this.polls.values().toArray(CompletableFuture[]::new))
				.get(this.settings.pollWait().toMillis() + POLL_GRACE_MILLIS, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			// looked at per lane in collectPolls
		}
		collectPolls();
		return this.waiting.isEmpty() ? List.of() : takeWaiting();
	}

	/** Moves what finished long polls brought (held since they arrived) into {@link #waiting}. */
	private void collectPolls() {
		boolean failed = false;
		for (Iterator<Map.Entry<Lane, CompletableFuture<List<HeldMessage>>>> it = this.polls.entrySet().iterator(); it
			.hasNext();) {
			Map.Entry<Lane, CompletableFuture<List<HeldMessage>>> entry = it.next();
			Lane lane = entry.getKey();
			CompletableFuture<List<HeldMessage>> poll = entry.getValue();
			if (!poll.isDone()) {
				continue;
			}
			it.remove();
			try {
				this.waiting.addAll(poll.join());
			}
			catch (RuntimeException ex) {
				failed = true;
				logger.warn("Could not receive from the {} lane: {}", lane.wireName(),
						(ex.getCause() != null) ? ex.getCause().getMessage() : ex.getMessage());
			}
		}
		if (failed && this.waiting.isEmpty()) {
			pause(Duration.ofSeconds(1));
		}
	}

	/** The held messages of the first lane in {@link LaneOrder} order that has some; takes them out of waiting. */
	private List<HeldMessage> takeWaiting() {
		for (Lane lane : this.lanes.next()) {
			List<HeldMessage> taken = this.waiting.stream().filter((message) -> message.lane() == lane).toList();
			if (!taken.isEmpty()) {
				this.waiting.removeAll(taken);
				this.lanes.took(lane);
				return taken;
			}
		}
		return List.of();
	}

	/** Once draining: waits for the long polls still out and hands back everything they and earlier ones brought. */
	private void handBackWaiting() {
		long deadline = System.nanoTime()
				+ TimeUnit.MILLISECONDS.toNanos(this.settings.pollWait().toMillis() + POLL_GRACE_MILLIS);
		while (!this.polls.isEmpty() && System.nanoTime() < deadline) {
			collectPolls();
			if (!this.polls.isEmpty()) {
				pause(Duration.ofMillis(20));
			}
		}
		if (!this.waiting.isEmpty()) {
			List<HeldMessage> messages = new ArrayList<>(this.waiting);
			this.waiting.clear();
			// the processor hands every message back at once while the worker drains
			this.processor.process(messages);
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
