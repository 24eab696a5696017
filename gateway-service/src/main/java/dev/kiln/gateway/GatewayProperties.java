package dev.kiln.gateway;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Gateway configuration.
 *
 * @param queues where jobs are sent
 * @param storage where images are read from
 * @param jobs defaults applied to requests
 */
@ConfigurationProperties("kiln")
@Validated
public record GatewayProperties(@Valid @DefaultValue Queues queues, @Valid @DefaultValue Storage storage,
		@Valid @DefaultValue Jobs jobs) {

	/**
	 * Queue settings.
	 *
	 * @param prefix prefix of every Kiln queue name; must match the queue service's
	 */
	public record Queues(@DefaultValue("kiln") @Pattern(regexp = "[A-Za-z0-9_-]{1,40}",
			message = "must be 1-40 letters, digits, '-' or '_'") String prefix) {
	}

	/**
	 * Object store settings.
	 *
	 * @param bucket the bucket workers write images to
	 * @param linkTtl how long a presigned image link stays valid
	 */
	public record Storage(@DefaultValue("kiln-images") @NotBlank String bucket,
			@DefaultValue("15m") @NotNull Duration linkTtl) {
	}

	/**
	 * Request defaults.
	 *
	 * @param defaultModel model used when a request names none
	 */
	public record Jobs(@DefaultValue("kiln-builtin") @NotBlank String defaultModel) {
	}

}
