package dev.kiln.support.config;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import dev.kiln.contract.CallbackUrlPolicy;

/**
 * The settings every Kiln service must agree on. Each service binds and validates them at start-up (a bad value stops
 * it with a message naming the property); the chart and docker-compose set them once for all services.
 *
 * @param queues the queue names
 * @param storage the object store
 * @param retention how long a finished job record and its outputs are kept ({@code kiln.retention}); at least one
 * minute. The gateway's old {@code kiln.gateway.retention} follows it.
 * @param callbacks which callback URLs are accepted (the gateway, on submission) and called (the queue service)
 */
@ConfigurationProperties("kiln")
@Validated
public record SharedProperties(@Valid @DefaultValue Queues queues, @Valid @DefaultValue Storage storage,
		@DefaultValue("7d") @NotNull Duration retention, @Valid @DefaultValue Callbacks callbacks) {

	/** The pattern of {@code kiln.queues.prefix}: SQS names allow letters, digits, '-' and '_' (80 at most). */
	public static final String QUEUE_PREFIX_PATTERN = "[A-Za-z0-9_-]{1,40}";

	@AssertTrue(message = "retention must be at least 1 minute")
	boolean isRetentionValid() {
		return this.retention.compareTo(Duration.ofMinutes(1)) >= 0;
	}

	/**
	 * Queue names.
	 *
	 * @param prefix prefix of every Kiln queue name ({@code kiln.queues.prefix}):
	 * {@code {prefix}-jobs-{lane}}, {@code {prefix}-events} and their dead-letter queues
	 */
	public record Queues(@DefaultValue("kiln") @Pattern(regexp = QUEUE_PREFIX_PATTERN,
			message = "must be 1-40 letters, digits, '-' or '_'") String prefix) {
	}

	/**
	 * Object store settings.
	 *
	 * @param bucket the bucket job inputs and outputs live in ({@code kiln.storage.bucket})
	 */
	public record Storage(@DefaultValue("kiln-images") @NotBlank String bucket) {
	}

	/**
	 * Callback URL rule ({@code kiln.callbacks.*}), see {@link CallbackUrlPolicy}. All three are for local runs only.
	 *
	 * @param allowHttp accept {@code http} callback URLs
	 * @param allowNonDefaultPorts accept callback URLs with a port other than 80/443
	 * @param allowPrivateNetworks accept callback hosts on private or loopback addresses
	 */
	public record Callbacks(@DefaultValue("false") boolean allowHttp, @DefaultValue("false") boolean allowNonDefaultPorts,
			@DefaultValue("false") boolean allowPrivateNetworks) {

		/**
		 * The SSRF rule for callback URLs under these settings.
		 * @return the rule
		 */
		public CallbackUrlPolicy policy() {
			return new CallbackUrlPolicy(this.allowHttp, this.allowNonDefaultPorts, this.allowPrivateNetworks);
		}

	}

}
