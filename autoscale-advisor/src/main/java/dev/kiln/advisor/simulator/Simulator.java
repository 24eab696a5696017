package dev.kiln.advisor.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.advisor.policy.BacklogWithoutCapacityPolicy;
import dev.kiln.advisor.policy.BatchWindowPolicy;
import dev.kiln.advisor.policy.DeadlinePolicy;
import dev.kiln.advisor.policy.QueueLengthPolicy;
import dev.kiln.advisor.policy.ScalingPolicy;

/**
 * Runs policies over a trace with the live advisor's configuration classes, bound from {@code kiln.*} properties
 * without starting an application: the same policy objects the advisor builds.
 */
public final class Simulator {

	/** How often each policy decides in the cluster model; see SIMULATOR.md. */
	static final Map<String, Duration> DECISION_INTERVALS = Map.of(QueueLengthPolicy.NAME, Duration.ofSeconds(30),
			BacklogWithoutCapacityPolicy.NAME, Duration.ofSeconds(60), BatchWindowPolicy.NAME, Duration.ofSeconds(60),
			DeadlinePolicy.NAME, Duration.ofSeconds(15));

	private final AdvisorProperties advisor;

	private final ClusterModel model;

	/**
	 * A simulator.
	 * @param properties {@code kiln.*} overrides of the advisor's defaults
	 * @param model the cluster model
	 */
	public Simulator(Map<String, String> properties, ClusterModel model) {
		Map<String, String> all = new HashMap<>();
		// the deadline policy looks ahead one decision interval of the model
		all.put("kiln.advisor.poll-interval", DECISION_INTERVALS.get(DeadlinePolicy.NAME).toSeconds() + "s");
		all.put("kiln.advisor.cold-start", model.coldStartMedian().toSeconds() + "s");
		// KEDA's default cooldownPeriod, which live deployments get from KEDA itself
		all.put("kiln.advisor.cooldown", "300s");
		all.putAll(properties);
		this.advisor = new Binder(new MapConfigurationPropertySource(all)).bindOrCreate("kiln.advisor",
				AdvisorProperties.class);
		this.model = model;
	}

	/** A policy by name, configured as the simulator runs it. */
	public ScalingPolicy policy(String name) {
		return this.advisor.scalingPolicy(name);
	}

	/** Runs each named policy over the trace with the same seed. */
	public List<SimulationResult> run(Trace trace, List<String> policies, long seed) {
		List<SimulationResult> results = new ArrayList<>();
		Simulation.Settings settings = Simulation.Settings.of(this.advisor);
		for (String name : policies) {
			Duration interval = DECISION_INTERVALS.get(name);
			if (interval == null) {
				throw new IllegalArgumentException("Unknown policy '" + name + "'; expected one of "
						+ String.join(", ", AdvisorProperties.POLICIES));
			}
			PolicyRun run = new PolicyRun(this.advisor.scalingPolicy(name), interval, DeadlinePolicy.NAME.equals(name));
			results.add(new Simulation(trace, this.model, run, settings, seed).run());
		}
		return results;
	}

}
