package dev.kiln.queue;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Queue service configuration.
 *
 * @param provision whether to create (idempotently) the queues and the bucket at start-up; off in production,
 * where infrastructure-as-code owns them
 * @param queues the queue topology
 * @param storage the bucket
 * @param retention how long finished job records are kept
 */
@ConfigurationProperties("kiln")
@Validated
public record QueueServiceProperties(@DefaultValue("false") boolean provision, @Valid @DefaultValue Queues queues,
		@Valid @DefaultValue Storage storage, @DefaultValue("7d") @NotNull Duration retention) {

	/**
	 * Queue topology.
	 *
	 * @param prefix prefix of every Kiln queue name
	 * @param maxReceiveCount deliveries of a job before its dead-letter queue takes it
	 * @param visibilityTimeout how long a received job stays invisible before SQS delivers it again
	 * @param retention how long SQS keeps an undelivered message
	 */
	public record Queues(@DefaultValue("kiln") @Pattern(regexp = "[A-Za-z0-9_-]{1,40}",
			message = "must be 1-40 letters, digits, '-' or '_'") String prefix,
			@DefaultValue("3") @Min(1) @Max(1000) int maxReceiveCount,
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
	 * Object store settings.
	 *
	 * @param bucket the bucket workers write images to
	 */
	public record Storage(@DefaultValue("kiln-images") @NotBlank String bucket) {
	}

}
