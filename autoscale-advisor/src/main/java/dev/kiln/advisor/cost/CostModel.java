package dev.kiln.advisor.cost;

/**
 * Unit cost of rendering: GPU time at an instance price plus per-image costs of other services, plus fixed monthly
 * costs (cluster control plane, always-on nodes). Pure arithmetic; months are {@value #HOURS_PER_MONTH} hours, as
 * AWS's pricing examples count them. {@link WorkloadCost} derives the GPU hours of a whole workload (images a day,
 * batching, boots) on top of it.
 *
 * @param instancePerHour dollars per GPU instance hour
 * @param renderSecondsPerImage GPU seconds per image
 * @param otherPerMillion dollars of other services (queues, storage, transfer) per million images
 * @param fixedPerMonth fixed dollars per month, whatever the volume
 */
public record CostModel(double instancePerHour, double renderSecondsPerImage, double otherPerMillion,
		double fixedPerMonth) {

	/** Days in a pricing month. */
	public static final int DAYS_PER_MONTH = 30;

	/** Hours in a pricing month. */
	public static final double HOURS_PER_MONTH = DAYS_PER_MONTH * 24;

	public CostModel {
		if (!(instancePerHour >= 0) || !(renderSecondsPerImage > 0) || !(otherPerMillion >= 0)
				|| !(fixedPerMonth >= 0)) {
			throw new IllegalArgumentException("Cost inputs must be >= 0 and render seconds > 0");
		}
	}

	/** Monthly cost of something running all month at an hourly price. */
	public static double monthly(double perHour) {
		return perHour * HOURS_PER_MONTH;
	}

	/** GPU hours to render a million images. */
	public double gpuHoursPerMillion() {
		return 1_000_000 * this.renderSecondsPerImage / 3600;
	}

	/** GPU dollars per million images. */
	public double gpuPerMillion() {
		return gpuHoursPerMillion() * this.instancePerHour;
	}

	/** All variable dollars per million images. */
	public double perMillion() {
		return gpuPerMillion() + this.otherPerMillion;
	}

	/** Variable dollars per image. */
	public double perImage() {
		return perMillion() / 1_000_000;
	}

	/** Projected dollars for a month rendering {@code imagesPerMonth}. */
	public double monthlyProjection(double imagesPerMonth) {
		return this.fixedPerMonth + imagesPerMonth / 1_000_000 * perMillion();
	}

	/** Cost attributed to one job: its GPU seconds at the per-second share of the hourly price. */
	public static double attributed(double renderSeconds, double pricePerHour) {
		return renderSeconds * pricePerHour / 3600;
	}

	/**
	 * Dollars per million images of a run that paid {@code dollars} for {@code images}, e.g. a simulated policy.
	 * @param dollars what the run paid
	 * @param images images it rendered
	 * @return dollars per million images, {@code NaN} without images
	 */
	public static double perMillion(double dollars, long images) {
		return (images > 0) ? dollars / images * 1_000_000 : Double.NaN;
	}

}
