package dev.kiln.advisor.simulator;

import dev.kiln.contract.Lane;

/**
 * One job of a trace.
 *
 * @param atSeconds arrival, seconds after the trace starts
 * @param lane the lane
 * @param deadlineSeconds deadline after arrival in seconds, or {@code 0} for the lane's default
 * @param renderSeconds seconds the render takes once started
 */
public record TraceJob(double atSeconds, Lane lane, double deadlineSeconds, double renderSeconds) {
}
