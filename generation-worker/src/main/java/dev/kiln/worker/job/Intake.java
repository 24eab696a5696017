package dev.kiln.worker.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.kiln.contract.Lane;
import dev.kiln.worker.WorkerProperties;

/**
 * Which messages the worker renders next: asks the lanes in {@link LaneOrder} (a round of short polls; when every
 * lane is empty, a long poll of {@code kiln.worker.poll-wait} on every lane at once), takes at most
 * {@code kiln.worker.receive-batch} messages per lane, or with dynamic batching enough to fill the largest pass of a
 * model that batches (at most 10), and has {@link PassFiller} make one forward pass of them. The messages that do not
 * fit, and what long polls of other lanes brought meanwhile, are held (their visibility renewed by {@link Renewals})
 * and come next, in lane order. Only the receive loop's thread calls it.
 */
@Component
class Intake {

	private static final Logger logger = LoggerFactory.getLogger(Intake.class);

	/** How much longer than {@code poll-wait} a long poll may take to answer before it is given up on for now. */
	private static final Duration POLL_GRACE = Duration.ofSeconds(2);

	private final JobQueues queues;

	private final PassFiller filler;

	private final WorkerActivity activity;

	private final DrainState drain;

	private final WorkerProperties properties;

	private final LaneOrder lanes;

	/** Long polls in flight, at most one per lane. */
	private final Map<Lane, CompletableFuture<List<HeldMessage>>> polls = new EnumMap<>(Lane.class);

	/** Messages long polls brought, or a fill left over, waiting for their turn; held (visibility renewed). */
	private final List<HeldMessage> waiting = new ArrayList<>();

	Intake(JobQueues queues, PassFiller filler, WorkerActivity activity, DrainState drain,
			WorkerProperties properties) {
		this.queues = queues;
		this.filler = filler;
		this.activity = activity;
		this.drain = drain;
		this.properties = properties;
		this.lanes = new LaneOrder(properties.laneTurnAfter());
	}

	/**
	 * The messages of the next forward pass, all from one lane; empty when no lane has work.
	 * @param room how many more messages the worker may take ({@code max-jobs}), or {@link Integer#MAX_VALUE}
	 * @return the pass's messages
	 */
	List<HeldMessage> next(int room) {
		List<HeldMessage> received = receive(Math.min(this.filler.receiveCount(this.properties.receiveBatch()), room));
		if (received.isEmpty()) {
			return received;
		}
		PassFiller.Pass pass = this.filler.fill(received, Math.max(received.size(), room), this.drain::draining);
		// held for their own pass, first in line: the next round takes them before receiving more
		pass.later().forEach(this.activity::hold);
		this.waiting.addAll(0, pass.later());
		return pass.messages();
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
				this.polls.put(lane, this.queues.receiveAsync(lane, batch, this.properties.pollWait())
					.whenComplete((messages, failure) -> {
						if (messages != null) {
							messages.forEach(this.activity::hold);
						}
					}));
			}
		}
		try {
			CompletableFuture.anyOf(this.polls.values().toArray(CompletableFuture[]::new))
				.get(this.properties.pollWait().plus(POLL_GRACE).toMillis(), TimeUnit.MILLISECONDS);
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

	/**
	 * Once draining: waits for the long polls still out and returns everything they and earlier ones brought, for the
	 * processor to hand back.
	 * @return the messages held for later, now no longer waiting here
	 */
	List<HeldMessage> drainWaiting() {
		long deadline = System.nanoTime() + this.properties.pollWait().plus(POLL_GRACE).toNanos();
		while (!this.polls.isEmpty() && System.nanoTime() < deadline) {
			collectPolls();
			if (!this.polls.isEmpty()) {
				pause(Duration.ofMillis(20));
			}
		}
		List<HeldMessage> messages = new ArrayList<>(this.waiting);
		this.waiting.clear();
		return messages;
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
