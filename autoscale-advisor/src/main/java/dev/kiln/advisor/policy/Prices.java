package dev.kiln.advisor.policy;

/**
 * What one GPU worker replica costs now, per hour.
 *
 * @param onDemandPerHour on-demand price in dollars per hour
 * @param spotPerHour spot price in dollars per hour
 */
public record Prices(double onDemandPerHour, double spotPerHour) {

	public Prices {
		if (!(onDemandPerHour >= 0) || !(spotPerHour >= 0)) {
			throw new IllegalArgumentException("Prices must be >= 0; got on-demand=" + onDemandPerHour + ", spot=" + spotPerHour);
		}
	}

	/** The hourly price of one capacity type. */
	public double perHour(Capacity capacity) {
		return (capacity == Capacity.SPOT) ? this.spotPerHour : this.onDemandPerHour;
	}

}
