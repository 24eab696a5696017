package dev.kiln.advisor.policy;

import java.time.Duration;
import java.time.Instant;

/** Small arithmetic shared by the policies. */
final class Rules {

	private Rules() {
	}

	static int ceilDiv(long value, long divisor) {
		return (int) Math.min(Integer.MAX_VALUE, (value + divisor - 1) / divisor);
	}

	static int clamp(long value, int min, int max) {
		return (int) Math.max(min, Math.min(max, value));
	}

	/** Whether the lane had work less than {@code cooldown} ago. */
	static boolean coolingDown(LaneState lane, Instant now, Duration cooldown) {
		Instant last = lane.lastWorkAt();
		return last != null && Duration.between(last, now).compareTo(cooldown) < 0;
	}

}
