package dev.kiln.advisor.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.kiln.contract.Lane;

/** Snapshot builders for the policy tests. */
final class Fixtures {

	static final Instant NOW = Instant.parse("2026-01-05T12:00:00Z");

	static final Prices PRICES = new Prices(1.0, 0.3);

	private Fixtures() {
	}

	/** A lane with {@code visible} waiting jobs all due {@code dueIn} after now, nothing running. */
	static LaneState waiting(Lane lane, int visible, Duration dueIn) {
		List<QueuedJob> jobs = new ArrayList<>();
		for (int i = 0; i < visible; i++) {
			jobs.add(new QueuedJob(NOW.minusSeconds(1), NOW.plus(dueIn)));
		}
		return new LaneState(lane, visible, 0, 0, jobs, 0, Replicas.NONE, 0, 10, NOW, null);
	}

	static LaneState lane(Lane lane, long visible, long inFlight, Replicas current, Instant lastWorkAt) {
		return new LaneState(lane, visible, inFlight, 0, List.of(), 0, current, current.total(), 10, lastWorkAt,
				null);
	}

	static Snapshot snapshot(LaneState... lanes) {
		return snapshot(Spend.UNLIMITED, 0.3, lanes);
	}

	static Snapshot snapshot(Spend spend, double spotPrice, LaneState... lanes) {
		Map<Lane, LaneState> all = new EnumMap<>(Lane.class);
		for (Lane lane : Lane.values()) {
			all.put(lane, LaneState.idle(lane, 10));
		}
		for (LaneState lane : lanes) {
			all.put(lane.lane(), lane);
		}
		return new Snapshot(NOW, all, Duration.ofSeconds(120), new Prices(1.0, spotPrice), spend);
	}

}
