package dev.kiln.queue;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import dev.kiln.support.config.SharedProperties;

/**
 * Queue service configuration: what only the queue service reads. The settings every service must agree on (the queue
 * prefix {@code kiln.queues.prefix}, the bucket {@code kiln.storage.bucket}, {@code kiln.retention} and the callback
 * URL rule {@code kiln.callbacks.*}) are {@link SharedProperties}, bound once for all services.
 *
 * @param provision whether to create (idempotently) the queues and the bucket at start-up; off in production,
 * where infrastructure-as-code owns them
 * @param queues the queues' SQS settings
 * @param retentionSweep the sweep that deletes what is older than {@code kiln.retention} where no lifecycle rule does
 * @param lanes dead-letter handling and lane monitoring
 * @param stuckJobs recovery of running jobs whose worker vanished
 * @param webhooks webhook deliveries
 * @param outbox the relay of jobs recorded whose message SQS never confirmed
 */
@ConfigurationProperties("kiln")
@Validated
public record QueueServiceProperties(@DefaultValue("false") boolean provision, @Valid @DefaultValue Queues queues,
		@Valid @DefaultValue RetentionSweep retentionSweep, @Valid @DefaultValue Lanes lanes,
		@Valid @DefaultValue StuckJobs stuckJobs, @Valid @DefaultValue Webhooks webhooks,
		@Valid @DefaultValue Outbox outbox) {

	/**
	 * The queues' SQS settings ({@code kiln.queues.*}); their names follow the shared {@code kiln.queues.prefix}.
	 *
	 * @param maxReceiveCount deliveries of a job before its dead-letter queue takes it
	 * @param visibilityTimeout how long a received job stays invisible before SQS delivers it again
	 * @param retention how long SQS keeps an undelivered message
	 */
	public record Queues(@DefaultValue("3") @Min(1) @Max(1000) int maxReceiveCount,
			@DefaultValue("120s") @NotNull Duration visibilityTimeout,
			@DefaultValue("4d") @NotNull Duration retention) {

		@AssertTrue(message = "visibility-timeout must be between 0 and 12h (SQS limits)")
		boolean isVisibilityTimeoutValid() {
			return !this.visibilityTimeout.isNegative() && this.visibilityTimeout.compareTo(Duration.ofHours(12)) <= 0;
		}

		@AssertTrue(message = "retention must be between 60s and 14d (SQS limits)")
		boolean isRetentionValid() {
			return this.retention.compareTo(Duration.ofSeconds(60)) >= 0
					&& this.retention.compareTo(Duration.ofDays(14)) <= 0;
		}

	}

	/**
	 * The retention sweep, for stores without a lifecycle rule (the local stack) and for index entries.
	 *
	 * @param enabled whether the sweep runs
	 * @param interval time between sweeps
	 */
	public record RetentionSweep(@DefaultValue("true") boolean enabled, @DefaultValue("1h") @NotNull Duration interval) {
	}

	/**
	 * Dead letters and lane monitoring.
	 *
	 * @param deadLetterInterval time between looks at each lane's dead-letter queue (jobs found there are marked
	 * {@code FAILED})
	 * @param monitorInterval time between refreshes of the lane gauges
	 */
	public record Lanes(@DefaultValue("15s") @NotNull Duration deadLetterInterval,
			@DefaultValue("10s") @NotNull Duration monitorInterval) {
	}

	/**
	 * Recovery of jobs whose worker stopped heartbeating.
	 *
	 * @param threshold how long after its worker's last heartbeat a running job counts as stuck
	 * @param interval time between sweeps
	 */
	public record StuckJobs(@DefaultValue("60s") @NotNull Duration threshold,
			@DefaultValue("15s") @NotNull Duration interval) {
	}

	/**
	 * Webhook deliveries.
	 *
	 * @param enabled whether deliveries are sent (they are recorded either way)
	 * @param timeout connect and read timeout of one delivery attempt
	 * @param initialBackoff wait before the first retry; doubled per attempt, with jitter
	 * @param maxBackoff longest wait between two attempts
	 * @param giveUpAfter how long after the event the last attempt may start
	 * @param pollInterval how often due deliveries are looked for
	 * @param batchSize deliveries in flight at once, at most
	 */
	public record Webhooks(@DefaultValue("true") boolean enabled, @DefaultValue("10s") @NotNull Duration timeout,
			@DefaultValue("10s") @NotNull Duration initialBackoff, @DefaultValue("1h") @NotNull Duration maxBackoff,
			@DefaultValue("24h") @NotNull Duration giveUpAfter, @DefaultValue("1s") @NotNull Duration pollInterval,
			@DefaultValue("20") @Min(1) @Max(500) int batchSize) {

		@AssertTrue(message = "initial-backoff must be positive and at most max-backoff")
		boolean isBackoffValid() {
			return this.initialBackoff.isPositive() && this.initialBackoff.compareTo(this.maxBackoff) <= 0;
		}

	}

	/**
	 * The outbox relay ({@code {kiln}:jobs:unsent}).
	 *
	 * @param interval time between looks at the outbox
	 * @param grace how long after it was recorded (or last relayed) an unconfirmed job is sent by the relay; longer
	 * than the gateway's send timeout, so that the relay does not race a send still in progress
	 * @param sendTimeout how long one relayed send may take
	 * @param batchSize jobs relayed per round, at most
	 */
	public record Outbox(@DefaultValue("5s") @NotNull Duration interval, @DefaultValue("30s") @NotNull Duration grace,
			@DefaultValue("10s") @NotNull Duration sendTimeout, @DefaultValue("100") @Min(1) @Max(10000) int batchSize) {

		@AssertTrue(message = "interval and grace must be positive")
		boolean isPositive() {
			return this.interval.isPositive() && this.grace.isPositive() && this.sendTimeout.isPositive();
		}

	}

}
