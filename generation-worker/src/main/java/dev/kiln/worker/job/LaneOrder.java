package dev.kiln.worker.job;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.kiln.contract.Lane;

/**
 * The order in which a worker asks the lanes for work: interactive first, then standard, then batch, except that a
 * lower lane which has waited through {@code turnAfter} jobs in a row from higher lanes is asked first, once. When
 * several lanes are owed a turn, they are asked first, the one that has waited longest first (the higher lane on a
 * tie). A lane that is asked and turns out empty has had its turn.
 * <p>
 * So with every lane full and {@code turnAfter} 4, a worker takes 4 interactive jobs, then one standard, then one
 * batch, and so on: interactive work dominates but batch is never starved. Not thread-safe; one receive loop owns it.
 */
final class LaneOrder {

	private final int turnAfter;

	private final Map<Lane, Integer> waited = new EnumMap<>(Lane.class);

	LaneOrder(int turnAfter) {
		this.turnAfter = turnAfter;
		for (Lane lane : Lane.values()) {
			this.waited.put(lane, 0);
		}
	}

	/** The lanes to ask, in order: lanes owed a turn (longest wait first), then the others by priority. */
	List<Lane> next() {
		List<Lane> order = new ArrayList<>(Lane.values().length);
		for (Lane lane : Lane.values()) {
			if (this.waited.get(lane) >= this.turnAfter) {
				order.add(lane);
			}
		}
		order.sort(Comparator.comparing((Lane lane) -> this.waited.get(lane)).reversed()
			.thenComparing(Lane::ordinal));
		for (Lane lane : Lane.values()) {
			if (!order.contains(lane)) {
				order.add(lane);
			}
		}
		return order;
	}

	/** A job was taken from {@code lane}: it has had its turn and every lower lane waited once more. */
	void took(Lane lane) {
		this.waited.put(lane, 0);
		for (Lane lower : Lane.values()) {
			if (lower.ordinal() > lane.ordinal()) {
				this.waited.merge(lower, 1, Integer::sum);
			}
		}
	}

	/** {@code lane} was asked and had nothing: it has had its turn. */
	void empty(Lane lane) {
		this.waited.put(lane, 0);
	}

}
