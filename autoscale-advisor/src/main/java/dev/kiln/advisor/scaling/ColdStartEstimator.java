package dev.kiln.advisor.scaling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * Learns the cold start: the delay from the advisor asking for more replicas to a new worker's first heartbeat. Each
 * replica asked for waits in line; the next worker never seen before is matched with the oldest waiting request.
 * The estimate starts at the configured value and moves by an exponentially weighted mean ({@code alpha} 0.2).
 * Requests older than {@code 4 x} the estimate are dropped (the replica was never needed or never came).
 */
final class ColdStartEstimator {

	private static final double ALPHA = 0.2;

	private final Deque<Instant> waiting = new ArrayDeque<>();

	private final Set<String> known = new HashSet<>();

	private double estimateMillis;

	private int samples;

	private boolean primed;

	ColdStartEstimator(Duration initial) {
		this.estimateMillis = initial.toMillis();
	}

	/** The advisor asked for {@code added} more replicas at {@code at}. */
	synchronized void scaledUp(Instant at, int added) {
		for (int i = 0; i < added; i++) {
			this.waiting.addLast(at);
		}
	}

	/** Workers alive at {@code at}; the first call only learns who is already there. */
	synchronized void workersSeen(Collection<String> workerIds, Instant at) {
		Instant tooOld = at.minusMillis((long) (4 * this.estimateMillis));
		while (!this.waiting.isEmpty() && this.waiting.peekFirst().isBefore(tooOld)) {
			this.waiting.pollFirst();
		}
		for (String id : workerIds) {
			if (this.known.add(id) && this.primed && !this.waiting.isEmpty()) {
				long sample = Duration.between(this.waiting.pollFirst(), at).toMillis();
				this.estimateMillis = (1 - ALPHA) * this.estimateMillis + ALPHA * sample;
				this.samples++;
			}
		}
		this.known.retainAll(workerIds);
		this.primed = true;
	}

	synchronized Duration estimate() {
		return Duration.ofMillis(Math.round(this.estimateMillis));
	}

	synchronized int samples() {
		return this.samples;
	}

}
