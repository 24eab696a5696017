package dev.kiln.advisor;

import java.time.Duration;
import java.time.LocalTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import dev.kiln.advisor.policy.BacklogWithoutCapacityPolicy;
import dev.kiln.advisor.policy.BatchWindowPolicy;
import dev.kiln.advisor.policy.Capacity;
import dev.kiln.advisor.policy.DeadlinePolicy;
import dev.kiln.advisor.policy.QueueLengthPolicy;
import dev.kiln.advisor.policy.ScalingPolicy;
import dev.kiln.advisor.policy.SpendCap;
import dev.kiln.contract.Lane;

/**
 * Advisor configuration: how decisions are made. The queue prefix every service shares is {@code kiln.queues.prefix} of
 * {@link dev.kiln.support.config.SharedProperties}.
 *
 * @param pollInterval how often the inputs are read and a decision is made
 * @param grpcPort port of the KEDA external scaler (gRPC), {@code 0} for any free port
 * @param policy the scaling policy: queue-length, backlog-without-capacity, batch-window or deadline
 * @param targetBacklogPerWorker jobs (waiting or in flight) one worker is expected to hold
 * @param minWorkers fewest workers per lane, {@code 0} to scale to zero when idle (queue-length only)
 * @param maxWorkers most workers per lane
 * @param cooldown how long a lane with nothing in hand keeps its workers before the advisor answers zero; 0 by
 * default because KEDA's own {@code cooldownPeriod} applies after the advisor turns inactive
 * @param baselineCapacity capacity type of the baseline policies (queue-length, backlog-without-capacity)
 * @param staleness how long the last decision is held when inputs cannot be read; after it, the advisor reports
 * its inputs stale and stops answering so KEDA's fallback applies
 * @param coldStart cold start assumed until enough starts have been observed
 * @param renderSeconds render seconds per job assumed until a model's mean is measured
 * @param maxListedJobs waiting jobs read per lane for their deadlines, oldest first; the rest are assumed to
 * share the last one's deadline
 * @param deadlines default deadline after submission per lane, for jobs without their own
 * @param deadline settings of the deadline policy
 * @param batchWindow settings of the batch-window policy
 * @param budget spend cap
 * @param prices prices of one worker replica
 * @param cost cost model and attribution
 * @param wake deciding at once when the gateway records a job, between polls
 */
@ConfigurationProperties("kiln.advisor")
@Validated
public record AdvisorProperties(@DefaultValue("1s") @NotNull Duration pollInterval,
		@DefaultValue("9090") @Min(0) @Max(65535) int grpcPort,
		@DefaultValue("queue-length") @Pattern(regexp = "queue-length|backlog-without-capacity|batch-window|deadline",
				message = "must be one of queue-length, backlog-without-capacity, batch-window, deadline") String policy,
		@DefaultValue("1") @Min(1) int targetBacklogPerWorker, @DefaultValue("0") @Min(0) int minWorkers,
		@DefaultValue("10") @Min(1) int maxWorkers, @DefaultValue("0s") @NotNull Duration cooldown,
		@DefaultValue("ON_DEMAND") @NotNull Capacity baselineCapacity,
		@DefaultValue("60s") @NotNull Duration staleness, @DefaultValue("150s") @NotNull Duration coldStart,
		@DefaultValue("1.5") @DecimalMin("0.001") double renderSeconds,
		@DefaultValue("1000") @Min(1) int maxListedJobs, @Valid @DefaultValue LaneDeadlines deadlines,
		@Valid @DefaultValue Deadline deadline, @Valid @DefaultValue BatchWindow batchWindow,
		@Valid @DefaultValue Budget budget, @Valid @DefaultValue Prices prices, @Valid @DefaultValue Cost cost,
		@Valid @DefaultValue Wake wake) {

	/** The policy names a deployment can select. */
	public static final List<String> POLICIES = List.of(QueueLengthPolicy.NAME, BacklogWithoutCapacityPolicy.NAME,
			BatchWindowPolicy.NAME, DeadlinePolicy.NAME);

	@AssertTrue(message = "min-workers must not exceed max-workers")
	boolean isRangeValid() {
		return this.minWorkers <= this.maxWorkers;
	}

	/** The selected policy, wrapped in the spend cap. */
	public ScalingPolicy scalingPolicy() {
		return scalingPolicy(this.policy);
	}

	/** A policy by name, wrapped in the spend cap; the simulator compares several. */
	public ScalingPolicy scalingPolicy(String name) {
		return new SpendCap(rawPolicy(name), this.budget.projection(), this.budget.exemptInteractive());
	}

	private ScalingPolicy rawPolicy(String name) {
		QueueLengthPolicy queueLength = new QueueLengthPolicy(this.targetBacklogPerWorker, this.minWorkers,
				this.maxWorkers, this.cooldown, this.baselineCapacity);
		return switch (name) {
			case QueueLengthPolicy.NAME -> queueLength;
			case BacklogWithoutCapacityPolicy.NAME -> new BacklogWithoutCapacityPolicy(this.targetBacklogPerWorker,
					this.maxWorkers, this.cooldown, this.baselineCapacity);
			case BatchWindowPolicy.NAME -> new BatchWindowPolicy(this.batchWindow.lanes(),
					this.batchWindow.queueTrigger(), this.batchWindow.staleAfter(), this.batchWindow.staleMin(),
					this.batchWindow.spotPriceBelow(), this.batchWindow.spotMin(), this.batchWindow.windowStart(),
					this.batchWindow.windowLength(), this.batchWindow.windowMin(), this.batchWindow.jobsPerGpu(),
					this.batchWindow.minGpus(), this.batchWindow.maxGpus(), this.batchWindow.idleShutdown(),
					this.batchWindow.capacity(), queueLength);
			case DeadlinePolicy.NAME -> new DeadlinePolicy(this.maxWorkers,
					Math.min(this.deadline.planReplicas(), this.maxWorkers), this.targetBacklogPerWorker,
					this.deadline.margin(), this.pollInterval, this.cooldown, this.deadline.interactiveKeepWarm(),
					this.deadline.prewarmLead(), this.deadline.spot());
			default -> throw new IllegalArgumentException(
					"Unknown policy '" + name + "'; expected one of " + String.join(", ", POLICIES));
		};
	}

	/** The default deadline after submission of a lane's jobs. */
	public Duration defaultDeadline(Lane lane) {
		return switch (lane) {
			case INTERACTIVE -> this.deadlines.interactive();
			case STANDARD -> this.deadlines.standard();
			case BATCH -> this.deadlines.batch();
		};
	}

	/**
	 * Default deadlines after submission, for jobs that carry none.
	 *
	 * @param interactive interactive lane
	 * @param standard standard lane
	 * @param batch batch lane
	 */
	public record LaneDeadlines(@DefaultValue("60s") @NotNull Duration interactive,
			@DefaultValue("15m") @NotNull Duration standard, @DefaultValue("24h") @NotNull Duration batch) {
	}

	/**
	 * The deadline policy.
	 *
	 * @param planReplicas replicas a held lane is planned to start with; smaller starts earlier and pays fewer cold
	 * starts
	 * @param margin safety margin kept before every deadline
	 * @param interactiveKeepWarm how long the interactive lane keeps one replica after its last work
	 * @param prewarmLead how long before a held lane must start the pre-warm placeholder asks for GPU nodes
	 * @param spot whether spot capacity may be used when deadlines survive an interruption
	 */
	public record Deadline(@DefaultValue("2") @Min(1) int planReplicas, @DefaultValue("120s") @NotNull Duration margin,
			@DefaultValue("15m") @NotNull Duration interactiveKeepWarm,
			@DefaultValue("90s") @NotNull Duration prewarmLead, @DefaultValue("true") boolean spot) {
	}

	/**
	 * The batch-window policy (the Wan2.2 design's triggers).
	 *
	 * @param lanes lanes run in batches; the others follow queue-length
	 * @param queueTrigger queued jobs that always start a batch
	 * @param staleAfter time since the last batch after which stale-min jobs suffice
	 * @param staleMin jobs that start a batch once stale-after has passed
	 * @param spotPriceBelow spot price per hour under which spot-min jobs suffice
	 * @param spotMin jobs that start a batch while spot is cheap
	 * @param windowStart daily off-peak window start, UTC
	 * @param windowLength daily off-peak window length
	 * @param windowMin jobs that start a batch inside the window
	 * @param jobsPerGpu jobs one GPU takes per batch
	 * @param minGpus fewest replicas of a batch
	 * @param maxGpus most replicas of a batch
	 * @param idleShutdown how long a drained batch keeps its replicas
	 * @param capacity capacity type of batch replicas
	 */
	public record BatchWindow(@DefaultValue("BATCH") Set<Lane> lanes, @DefaultValue("100") @Min(1) int queueTrigger,
			@DefaultValue("4h") @NotNull Duration staleAfter, @DefaultValue("20") @Min(1) int staleMin,
			@DefaultValue("0.25") double spotPriceBelow, @DefaultValue("50") @Min(1) int spotMin,
			@DefaultValue("02:00") @NotNull LocalTime windowStart, @DefaultValue("10m") @NotNull Duration windowLength,
			@DefaultValue("10") @Min(1) int windowMin, @DefaultValue("40") @Min(1) int jobsPerGpu,
			@DefaultValue("2") @Min(1) int minGpus, @DefaultValue("50") @Min(1) int maxGpus,
			@DefaultValue("5m") @NotNull Duration idleShutdown, @DefaultValue("SPOT") @NotNull Capacity capacity) {

		public BatchWindow {
			lanes = (lanes != null && !lanes.isEmpty()) ? EnumSet.copyOf(lanes) : EnumSet.of(Lane.BATCH);
		}

	}

	/**
	 * Spend cap.
	 *
	 * @param daily daily budget in dollars, {@code 0} for none
	 * @param monthly monthly budget in dollars, {@code 0} for none
	 * @param projection how far ahead the running replicas' spend is projected against the budgets
	 * @param exemptInteractive whether the interactive lane may still scale out at the cap
	 */
	public record Budget(@DefaultValue("0") @DecimalMin("0") double daily, @DefaultValue("0") @DecimalMin("0") double monthly,
			@DefaultValue("15m") @NotNull Duration projection, @DefaultValue("true") boolean exemptInteractive) {

		/** The daily budget, infinite when none is set. */
		public double dailyLimit() {
			return (this.daily > 0) ? this.daily : Double.POSITIVE_INFINITY;
		}

		/** The monthly budget, infinite when none is set. */
		public double monthlyLimit() {
			return (this.monthly > 0) ? this.monthly : Double.POSITIVE_INFINITY;
		}

	}

	/**
	 * Cost model and attribution.
	 *
	 * @param attribution whether finished jobs get their cost attributed (job hash and tenant's daily sum)
	 * @param scanInterval how often new and finished jobs are looked for
	 * @param fixedPerMonth fixed dollars per month (control plane, always-on nodes) for projections
	 * @param otherPerMillion dollars of other services per million images for projections
	 */
	public record Cost(@DefaultValue("true") boolean attribution, @DefaultValue("10s") @NotNull Duration scanInterval,
			@DefaultValue("210.24") @DecimalMin("0") double fixedPerMonth,
			@DefaultValue("19.18") @DecimalMin("0") double otherPerMillion) {
	}

	/**
	 * Deciding on arrival. The gateway's create script publishes every job it records on its lane's arrivals channel;
	 * the advisor subscribes and decides again at once, so the first job into an idle lane reaches KEDA's
	 * {@code StreamIsActive} within milliseconds rather than at the next poll. The poll stays as the backstop.
	 *
	 * @param enabled whether to subscribe to arrivals
	 * @param coalesce how long the first arrival waits for others before the decision runs: a burst of jobs costs
	 * one decision, not one per job
	 */
	public record Wake(@DefaultValue("true") boolean enabled, @DefaultValue("5ms") @NotNull Duration coalesce) {

		@AssertTrue(message = "coalesce must be between 0 and 1s")
		boolean isCoalesceValid() {
			return !this.coalesce.isNegative() && this.coalesce.compareTo(Duration.ofSeconds(1)) <= 0;
		}

	}

	/**
	 * Prices of one worker replica (one GPU node), per hour, from a table by instance type. The built-in table holds
	 * us-east-1 on-demand prices of g5.xlarge, g5.2xlarge, g6.xlarge and g6.2xlarge with spot assumed 65% off;
	 * entries under {@code table} (e.g. {@code kiln.advisor.prices.table[g5.xlarge].spot=0.31}) replace them.
	 *
	 * @param instanceType the instance type workers run on
	 * @param table prices by instance type, over the built-in ones
	 */
	public record Prices(@DefaultValue("g5.xlarge") @NotNull String instanceType,
			@Nullable Map<String, InstancePrice> table) {

		/** Built-in prices (REFERENCE.md; spot estimated at 35% of on-demand). */
		public static final Map<String, InstancePrice> BUILT_IN = Map.of("g5.xlarge", new InstancePrice(1.006, 0.35),
				"g5.2xlarge", new InstancePrice(1.212, 0.42), "g6.xlarge", new InstancePrice(0.8048, 0.28),
				"g6.2xlarge", new InstancePrice(0.9776, 0.34));

		public Prices {
			table = (table != null) ? Map.copyOf(table) : Map.of();
		}

		@AssertTrue(message = "instance-type must be in the built-in price table or configured under prices.table")
		boolean isInstanceTypePriced() {
			return this.table.containsKey(this.instanceType) || BUILT_IN.containsKey(this.instanceType);
		}

		/** The selected instance type's prices. */
		public InstancePrice selected() {
			InstancePrice price = this.table.get(this.instanceType);
			if (price == null) {
				price = BUILT_IN.get(this.instanceType);
			}
			if (price == null) {
				throw new IllegalStateException("No price for instance type " + this.instanceType);
			}
			return price;
		}

		/** On-demand dollars per hour of the selected instance type. */
		public double onDemand() {
			return selected().onDemand();
		}

		/** Spot dollars per hour of the selected instance type. */
		public double spot() {
			return selected().spot();
		}

	}

	/**
	 * Hourly prices of one instance type.
	 *
	 * @param onDemand on-demand dollars per hour
	 * @param spot spot dollars per hour
	 */
	public record InstancePrice(@DecimalMin("0") double onDemand, @DecimalMin("0") double spot) {
	}

}
