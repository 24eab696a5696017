package dev.kiln.advisor.policy;

/**
 * Worker replicas of one lane, by capacity type.
 *
 * @param spot replicas on spot capacity
 * @param onDemand replicas on on-demand capacity
 */
public record Replicas(int spot, int onDemand) {

	/** No replicas. */
	public static final Replicas NONE = new Replicas(0, 0);

	public Replicas {
		if (spot < 0 || onDemand < 0) {
			throw new IllegalArgumentException("Replicas must not be negative; got spot=" + spot + ", onDemand=" + onDemand);
		}
	}

	/** {@code count} replicas, all of one capacity type. */
	public static Replicas of(Capacity capacity, int count) {
		return (capacity == Capacity.SPOT) ? new Replicas(count, 0) : new Replicas(0, count);
	}

	/** Replicas of one capacity type. */
	public int of(Capacity capacity) {
		return (capacity == Capacity.SPOT) ? this.spot : this.onDemand;
	}

	/** All replicas. */
	public int total() {
		return this.spot + this.onDemand;
	}

	/** Dollars per hour these replicas cost at the given prices. */
	public double dollarsPerHour(Prices prices) {
		return this.spot * prices.spotPerHour() + this.onDemand * prices.onDemandPerHour();
	}

}
