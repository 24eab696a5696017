package dev.kiln.worker.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

import lombok.RequiredArgsConstructor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.worker.model.ModelRegistry;
import dev.kiln.worker.model.ServedModel;

/**
 * Dynamic batching: makes one forward pass out of the messages of one lane in hand, and fills it from the lane's
 * backlog as {@link BatchPolicy} allows.
 * <p>
 * The pass takes the first readable job in hand and the jobs compatible with it (same model, width, height, steps and scheduler;
 * the model's sampler is the model's), up to the model's {@code max-batch} images. Unreadable messages go with the
 * pass (the processor lets them go at once). Every other message, in hand or received while filling, is held for
 * its own pass: it is returned to the receive loop, which puts it first among the messages it holds (their
 * visibility renewed with every heartbeat) and handles it next, in lane order.
 */
@Component
@RequiredArgsConstructor
class PassFiller {

	private static final Logger logger = LoggerFactory.getLogger(PassFiller.class);

	/** SQS hands out at most 10 messages per receive. */
	static final int SQS_MAX_RECEIVE = 10;

	private final JobQueues queues;

	private final ModelRegistry models;

	private final WorkerActivity activity;

	private final Clock clock;

	/** {@code kiln.worker.batching}: whether to fill at all, on the CPU, and for how long. */
	private final BatchPolicy policy;

	/**
	 * How many messages the first receive of a round asks for: with batching, enough to fill the largest pass of any
	 * model that batches (at most 10, SQS's limit); never fewer than {@code receive-batch}.
	 * @param receiveBatch the configured {@code receive-batch}
	 * @return the count, 1 to 10
	 */
	int receiveCount(int receiveBatch) {
		if (!this.policy.enabled()) {
			return receiveBatch;
		}
		int largest = this.models.all().stream()
			.filter(this::fills)
			.mapToInt((model) -> model.limits().maxBatch())
			.max()
			.orElse(1);
		return Math.max(receiveBatch, Math.min(SQS_MAX_RECEIVE, largest));
	}

	/**
	 * Makes a pass of the messages in hand, filled from their lane's backlog.
	 * @param inHand messages of one lane, in the order they came
	 * @param limit most messages this pass may take in all, including those received while filling (for
	 * {@code max-jobs}); at least {@code inHand.size()}
	 * @param draining whether the worker drains (stops the fill)
	 * @return the pass and the messages held for later
	 */
	Pass fill(List<HeldMessage> inHand, int limit, BooleanSupplier draining) {
		List<HeldMessage> pass = new ArrayList<>();
		List<HeldMessage> later = new ArrayList<>();
		HeldMessage head = inHand.stream().filter((message) -> message.job() != null).findFirst().orElse(null);
		if (head == null) {
			return new Pass(List.copyOf(inHand), List.of());
		}
		Lane lane = head.lane();
		JobMessage first = head.requireJob();
		int capacity = capacity(first);
		int images = 0;
		for (HeldMessage message : inHand) {
			if (message.job() == null) {
				pass.add(message);
			}
			else if (fits(first, message.job(), images, capacity, pass.isEmpty())) {
				pass.add(message);
				images += message.job().numImages();
			}
			else {
				later.add(message);
			}
		}
		ServedModel model = this.models.find(first.model()).orElse(null);
		if (model == null || !fills(model) || !this.policy.fills(inHand.size(), capacity, images)) {
			return new Pass(pass, later);
		}
		Instant began = this.clock.instant();
		int taken = inHand.size();
		boolean lastEmpty = false;
		while (!draining.getAsBoolean() && taken < limit) {
			Instant until = this.policy.until(began, jobs(pass));
			Instant now = this.clock.instant();
			BatchPolicy.Step step = this.policy.next(lane, now, until, lastEmpty, images >= capacity);
			if (step == BatchPolicy.Step.RENDER) {
				break;
			}
			if (step == BatchPolicy.Step.POLL_AGAIN) {
				Duration left = Duration.between(now, until);
				pause((left.compareTo(BatchPolicy.POLL_GAP) < 0) ? left : BatchPolicy.POLL_GAP);
			}
			int ask = Math.min(Math.min(SQS_MAX_RECEIVE, capacity - images), limit - taken);
			List<HeldMessage> received;
			try {
				received = this.queues.receive(lane, Math.max(1, ask), Duration.ZERO);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not receive from the {} lane while filling a pass: {}", lane.wireName(),
						ex.getMessage());
				break;
			}
			received.forEach(this.activity::hold);
			taken += received.size();
			lastEmpty = received.isEmpty();
			for (HeldMessage message : received) {
				if (message.job() == null) {
					pass.add(message);
				}
				else if (fits(first, message.job(), images, capacity, false)) {
					pass.add(message);
					images += message.job().numImages();
				}
				else {
					later.add(message);
				}
			}
		}
		return new Pass(pass, later);
	}

	/** Images a pass of the job's model holds; 1 when the model is unknown or renders one request at a time. */
	private int capacity(JobMessage job) {
		ServedModel model = this.models.find(job.model()).orElse(null);
		return (model != null && model.generator().batches()) ? model.limits().maxBatch() : 1;
	}

	/**
	 * Whether passes of this model are filled from a backlog: not when it renders one request at a time, nor on the
	 * CPU without {@code kiln.worker.batching.cpu} (then compatible jobs already in hand still share a pass, as without
	 * dynamic batching, but nothing is received to fill it).
	 */
	private boolean fills(ServedModel model) {
		if (!model.generator().batches()) {
			return false;
		}
		return this.policy.fillsOn(model.generator().device());
	}

	private static boolean fits(JobMessage first, JobMessage job, int images, int capacity, boolean alone) {
		if (alone) {
			return true; // the head of the pass, whatever its size: the processor judges it
		}
		return compatible(first, job) && images + job.numImages() <= capacity;
	}

	/** Same model, width, height, steps and scheduler: one forward pass can render both. */
	static boolean compatible(JobMessage a, JobMessage b) {
		return a.model().equals(b.model()) && a.width() == b.width() && a.height() == b.height()
				&& a.steps() == b.steps() && Objects.equals(a.scheduler(), b.scheduler());
	}

	private static List<JobMessage> jobs(List<HeldMessage> pass) {
		return pass.stream().map(HeldMessage::job).filter(Objects::nonNull).toList();
	}

	private static void pause(Duration duration) {
		if (!duration.isPositive()) {
			return;
		}
		try {
			Thread.sleep(duration);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * One pass and what waits for another.
	 *
	 * @param messages the messages of this pass
	 * @param later messages held for their own pass, in the order they came
	 */
	record Pass(List<HeldMessage> messages, List<HeldMessage> later) {
	}

}
