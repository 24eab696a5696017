package dev.kiln.advisor.policy;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import dev.kiln.contract.Lane;

/**
 * Wraps a policy with daily and monthly budgets. Spend is projected as what was spent so far plus the running
 * replicas' hourly price over {@code projection}; when that reaches a budget, no lane may scale out beyond its
 * current replicas (scale-in is always allowed). The interactive lane may be exempted.
 *
 * @param delegate the policy whose decisions are capped
 * @param projection how far ahead the running replicas' spend is projected
 * @param exemptInteractive whether the interactive lane may still scale out at the cap
 */
public record SpendCap(ScalingPolicy delegate, Duration projection, boolean exemptInteractive) implements ScalingPolicy {

	@Override
	public String name() {
		return this.delegate.name();
	}

	@Override
	public Decision decide(Snapshot snapshot) {
		Decision decision = this.delegate.decide(snapshot);
		if (!atCap(snapshot)) {
			return decision;
		}
		Map<Lane, Replicas> capped = new EnumMap<>(Lane.class);
		boolean held = false;
		for (Lane lane : Lane.values()) {
			Replicas desired = decision.lane(lane);
			Replicas current = snapshot.lane(lane).current();
			boolean exempt = this.exemptInteractive && lane == Lane.INTERACTIVE;
			if (!exempt && desired.total() > current.total()) {
				capped.put(lane, current);
				held = true;
			}
			else {
				capped.put(lane, desired);
			}
		}
		return decision.with(capped, true, held ? "spend cap reached: no scale-out; " + decision.reason()
				: "spend cap reached; " + decision.reason());
	}

	/** Whether projected spend reaches the daily or the monthly budget. */
	public boolean atCap(Snapshot snapshot) {
		double ahead = snapshot.spendRatePerHour() * this.projection.toMillis() / 3_600_000.0;
		Spend spend = snapshot.spend();
		return spend.today() + ahead >= spend.dailyBudget() || spend.month() + ahead >= spend.monthlyBudget();
	}

}
