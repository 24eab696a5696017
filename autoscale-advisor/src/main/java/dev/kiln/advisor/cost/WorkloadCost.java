package dev.kiln.advisor.cost;

import java.time.Duration;

/**
 * What a workload costs on one instance type, derived from the workload rather than from a replica count and hours
 * someone chose: GPU hours follow from the images, the render time per image on that instance type and the speed-up
 * batching gives; boot time is paid on top, once per cold start.
 *
 * @param renderGpuHoursPerDay GPU hours a day spent rendering
 * @param bootGpuHoursPerDay GPU hours a day paid while replicas boot (node, image, model load)
 * @param gpuHoursPerDay all GPU hours paid a day
 * @param gpuPerDay GPU dollars a day
 * @param perImage variable dollars per image (GPU time, boots shared out, other services)
 * @param perMillion variable dollars per million images
 * @param perMonth dollars a month: {@value CostModel#DAYS_PER_MONTH} days of the workload plus fixed costs
 */
public record WorkloadCost(double renderGpuHoursPerDay, double bootGpuHoursPerDay, double gpuHoursPerDay,
		double gpuPerDay, double perImage, double perMillion, double perMonth) {

	/**
	 * The work: how many images a day, how much faster batching makes them, and how often a replica starts cold.
	 *
	 * @param imagesPerDay images rendered a day
	 * @param batchSpeedup images per GPU second at the batch sizes the workload reaches ÷ images per GPU second at
	 * batch 1; 1 when jobs render alone (REFERENCE.md: Stable Diffusion's gain saturates near 1.4-2× at batch 4)
	 * @param bootsPerDay replica cold starts a day (e.g. 10 GPUs started once a day: 10; an always-warm fleet: 0)
	 */
	public record Workload(double imagesPerDay, double batchSpeedup, double bootsPerDay) {

		public Workload {
			if (!(imagesPerDay > 0) || !(batchSpeedup >= 1) || !(bootsPerDay >= 0)) {
				throw new IllegalArgumentException(
						"A workload needs images per day > 0, a batch speed-up >= 1 and boots per day >= 0");
			}
		}

	}

	/**
	 * One instance type as the workload sees it.
	 *
	 * @param instanceType the EC2 instance type, e.g. g5.xlarge
	 * @param pricePerHour dollars per instance hour (on-demand or spot, whichever the workload runs on)
	 * @param renderSecondsPerImage GPU seconds per image at batch 1 on this instance type
	 * @param bootTime paid time from launching a replica to its first render
	 */
	public record Instance(String instanceType, double pricePerHour, double renderSecondsPerImage,
			Duration bootTime) {

		public Instance {
			if (!(pricePerHour >= 0) || !(renderSecondsPerImage > 0) || bootTime.isNegative()) {
				throw new IllegalArgumentException("An instance needs a price >= 0, render seconds > 0 and a boot "
						+ "time >= 0 (" + instanceType + ")");
			}
		}

	}

	/**
	 * Derives the cost of a workload on an instance type.
	 * @param workload the work
	 * @param instance where it runs
	 * @param otherPerMillion dollars of other services (queues, storage, transfer) per million images
	 * @param fixedPerMonth fixed dollars a month, whatever the volume (control plane, always-on nodes)
	 * @return the figures
	 */
	public static WorkloadCost derive(Workload workload, Instance instance, double otherPerMillion,
			double fixedPerMonth) {
		double render = workload.imagesPerDay() * instance.renderSecondsPerImage() / workload.batchSpeedup() / 3600;
		double boot = workload.bootsPerDay() * instance.bootTime().toMillis() / 3_600_000.0;
		double gpuHours = render + boot;
		double gpuPerDay = gpuHours * instance.pricePerHour();
		double otherPerDay = workload.imagesPerDay() / 1_000_000 * otherPerMillion;
		double perImage = (gpuPerDay + otherPerDay) / workload.imagesPerDay();
		double perMonth = (gpuPerDay + otherPerDay) * CostModel.DAYS_PER_MONTH + fixedPerMonth;
		return new WorkloadCost(render, boot, gpuHours, gpuPerDay, perImage, perImage * 1_000_000, perMonth);
	}

}
