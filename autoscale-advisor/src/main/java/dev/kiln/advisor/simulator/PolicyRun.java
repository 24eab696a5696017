package dev.kiln.advisor.simulator;

import java.time.Duration;

import dev.kiln.advisor.policy.ScalingPolicy;

/**
 * A policy as the simulator drives it.
 *
 * @param policy the policy code, the same the live advisor runs
 * @param decisionInterval how often it decides: KEDA's polling interval, CloudWatch's alarm period, or the advisor's
 * HPA-driven interval
 * @param pushActivation whether a job arriving at a lane without replicas triggers a decision one second later
 * (KEDA {@code external-push} {@code StreamIsActive})
 */
public record PolicyRun(ScalingPolicy policy, Duration decisionInterval, boolean pushActivation) {
}
