package dev.kiln.worker.job;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;

import org.jspecify.annotations.Nullable;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;

/**
 * When the worker goes on filling a forward pass and when it renders what it has: the rule of dynamic batching, as a
 * pure function of what the worker knows (the lane, the jobs in hand, the clock, what the last receive brought).
 * <ol>
 * <li><b>Only from a backlog.</b> A pass is filled only when its round began with at least two messages of the lane
 * in hand (one receive brought two or more, or more were held): the lane has more waiting jobs. A lone job on a quiet
 * lane renders at once and costs no extra call.</li>
 * <li><b>Bounded by {@code batch-wait}</b> ({@code kiln.worker.batching.max-wait}): filling ends at the latest that
 * long after the round began.</li>
 * <li><b>Never past a deadline.</b> It ends no later than the earliest {@link JobMessage#deadline() deadline} of a job
 * in the pass; a job whose deadline has passed is rendered without any filling.</li>
 * <li><b>Receive while the lane answers.</b> While receives bring messages, the worker receives again at once (short
 * polls): those jobs are already waiting, and each that joins gains a whole pass it would otherwise wait behind.</li>
 * <li><b>The interactive lane never waits for jobs that have not arrived.</b> When a receive comes back empty, the
 * standard and batch lanes poll again every {@link #POLL_GAP} until the bound (backlogs there are long and arrivals
 * steady; SQS short polls also sample only some servers, so an empty answer does not prove an empty queue). On the
 * interactive lane the fill stops at the first empty receive: the jobs in hand, each with a person waiting, would pay
 * the wait for certain, while the gain (a job that arrives within the wait, sparing it one pass) is uncertain and
 * goes to another job; and a job never renders faster in a larger pass than alone. So an interactive job waits only
 * for the round trips of receives that bring jobs which would otherwise render after it.</li>
 * <li>A full pass (the model's {@code max-batch} images) or a drain stops the fill at once.</li>
 * </ol>
 *
 * @param enabled whether passes are filled from a backlog at all ({@code kiln.worker.batching.enabled})
 * @param maxWait how long a fill may hold the jobs in hand ({@code max-wait})
 * @param cpu whether passes on the CPU are filled too
 */
record BatchPolicy(boolean enabled, Duration maxWait, boolean cpu) {

	/** Between two receives of a lane that answered empty while a fill may still wait. */
	static final Duration POLL_GAP = Duration.ofMillis(5);

	/**
	 * Whether passes on this device are filled: on any device but the CPU, and on the CPU only when asked to.
	 * @param device the model's device ({@code cpu()}, {@code gpu(0)}), or {@code null} when it does not say
	 * @return whether to fill there
	 */
	boolean fillsOn(@Nullable String device) {
		return this.cpu || device == null || !device.startsWith("cpu");
	}

	/**
	 * Whether a round that began with these messages in hand is filled at all.
	 * @param inHand messages of the lane in hand when the round began
	 * @param capacity images the model renders in one pass
	 * @param images images of the compatible jobs in hand
	 * @return whether to fill
	 */
	boolean fills(int inHand, int capacity, int images) {
		return this.enabled && inHand >= 2 && images < capacity && this.maxWait.isPositive();
	}

	/**
	 * The moment filling must end: {@code maxWait} after the round began, or the earliest deadline of the jobs in the
	 * pass, whichever comes first.
	 * @param began when the round began
	 * @param jobs the jobs in the pass so far
	 * @return the bound
	 */
	Instant until(Instant began, Collection<JobMessage> jobs) {
		Instant until = began.plus(this.maxWait);
		for (JobMessage job : jobs) {
			if (job.deadline() != null && job.deadline().isBefore(until)) {
				until = job.deadline();
			}
		}
		return until;
	}

	/**
	 * The next step of a fill.
	 * @param lane the lane being filled from
	 * @param now the time now
	 * @param until the bound from {@link #until}
	 * @param lastReceiveEmpty whether the last receive brought nothing
	 * @param full whether the pass holds the model's max batch
	 * @return what to do
	 */
	Step next(Lane lane, Instant now, Instant until, boolean lastReceiveEmpty, boolean full) {
		if (full || !now.isBefore(until)) {
			return Step.RENDER;
		}
		if (!lastReceiveEmpty) {
			return Step.RECEIVE;
		}
		return (lane == Lane.INTERACTIVE) ? Step.RENDER : Step.POLL_AGAIN;
	}

	/** What a fill does next. */
	enum Step {

		/** Stop filling: render the pass. */
		RENDER,

		/** Receive from the lane again at once. */
		RECEIVE,

		/** Wait {@link #POLL_GAP} (never past the bound), then receive again. */
		POLL_AGAIN

	}

}
