package dev.kiln.advisor.scaling;

import dev.kiln.contract.Lane;

/**
 * Messages in one lane's jobs queue, as SQS reports them.
 *
 * @param lane the lane
 * @param visible waiting to be received
 * @param inFlight received and not yet deleted
 * @param delayed not yet visible because of a delay
 */
public record LaneDepth(Lane lane, long visible, long inFlight, long delayed) {

	/** Jobs that need a worker now or soon: waiting plus being worked on. */
	public long backlog() {
		return this.visible + this.inFlight;
	}

}
