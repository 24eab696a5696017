package dev.kiln.advisor.policy;

/**
 * GPU spend so far and the budgets it must stay within.
 *
 * @param today dollars spent since midnight UTC
 * @param month dollars spent since the first of the month UTC
 * @param dailyBudget daily budget in dollars, {@link Double#POSITIVE_INFINITY} for none
 * @param monthlyBudget monthly budget in dollars, {@link Double#POSITIVE_INFINITY} for none
 */
public record Spend(double today, double month, double dailyBudget, double monthlyBudget) {

	/** Nothing spent and no budget. */
	public static final Spend UNLIMITED = new Spend(0, 0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);

}
