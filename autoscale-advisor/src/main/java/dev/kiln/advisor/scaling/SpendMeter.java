package dev.kiln.advisor.scaling;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

import org.jspecify.annotations.Nullable;

import dev.kiln.advisor.policy.Spend;

/**
 * Integrates the spend rate of the replicas asked for into today's and this month's spend (UTC), resetting at
 * midnight and on the first of the month. Held in memory: a restart starts the day's count from zero.
 */
final class SpendMeter {

	private @Nullable Instant last;

	private double ratePerHour;

	private double today;

	private double month;

	/**
	 * Accounts for the time since the last call at the rate then in force, then sets the new rate.
	 * @return spend so far and the budgets
	 */
	synchronized Spend observe(Instant now, double newRatePerHour, double dailyBudget, double monthlyBudget) {
		if (this.last != null && now.isAfter(this.last)) {
			LocalDate before = this.last.atZone(ZoneOffset.UTC).toLocalDate();
			LocalDate after = now.atZone(ZoneOffset.UTC).toLocalDate();
			if (!before.equals(after)) {
				this.today = 0;
				if (before.getMonthValue() != after.getMonthValue() || before.getYear() != after.getYear()) {
					this.month = 0;
				}
			}
			double spent = this.ratePerHour * Duration.between(this.last, now).toMillis() / 3_600_000.0;
			this.today += spent;
			this.month += spent;
		}
		this.last = now;
		this.ratePerHour = newRatePerHour;
		return new Spend(this.today, this.month, dailyBudget, monthlyBudget);
	}

}
