package dev.kiln.advisor.policy;

/** A scaling rule: a pure function of a snapshot. Implementations keep no state between calls. */
public interface ScalingPolicy {

	/** The name deployments select the policy by, e.g. {@code deadline}. */
	String name();

	/**
	 * Decides the replicas every lane needs.
	 * @param snapshot the inputs
	 * @return the decision
	 */
	Decision decide(Snapshot snapshot);

}
