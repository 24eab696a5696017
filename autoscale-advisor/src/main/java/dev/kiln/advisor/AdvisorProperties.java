package dev.kiln.advisor;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Advisor configuration.
 *
 * @param queues the queues to watch
 * @param advisor how decisions are made
 */
@ConfigurationProperties("kiln")
@Validated
public record AdvisorProperties(@Valid @DefaultValue Queues queues, @Valid @DefaultValue Advisor advisor) {

	/**
	 * Queue settings.
	 *
	 * @param prefix prefix of every Kiln queue name; must match the queue service's
	 */
	public record Queues(@DefaultValue("kiln") @Pattern(regexp = "[A-Za-z0-9_-]{1,40}",
			message = "must be 1-40 letters, digits, '-' or '_'") String prefix) {
	}

	/**
	 * Decision settings.
	 *
	 * @param pollInterval how often the queues are read
	 * @param targetBacklogPerWorker jobs (waiting or in flight) one worker is expected to hold
	 * @param minWorkers fewest workers, {@code 0} to scale to zero when idle
	 * @param maxWorkers most workers
	 */
	public record Advisor(@DefaultValue("1s") @NotNull Duration pollInterval,
			@DefaultValue("1") @Min(1) int targetBacklogPerWorker, @DefaultValue("0") @Min(0) int minWorkers,
			@DefaultValue("10") @Min(1) int maxWorkers) {

		@AssertTrue(message = "min-workers must not exceed max-workers")
		boolean isRangeValid() {
			return this.minWorkers <= this.maxWorkers;
		}

	}

}
