package dev.kiln.gateway;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The gateway's own {@code kiln.*} settings. What every service must agree on ({@code kiln.queues.prefix},
 * {@code kiln.storage.bucket}, {@code kiln.retention}, {@code kiln.callbacks.*}) is
 * {@link dev.kiln.support.config.SharedProperties}, bound once for all services.
 *
 * @param storage how images are linked
 * @param jobs defaults applied to requests
 */
@ConfigurationProperties("kiln")
@Validated
public record GatewayProperties(@Valid @DefaultValue Storage storage, @Valid @DefaultValue Jobs jobs) {

	/**
	 * Image links.
	 *
	 * @param linkTtl how long a presigned image link stays valid ({@code kiln.storage.link-ttl})
	 */
	public record Storage(@DefaultValue("15m") @NotNull Duration linkTtl) {
	}

	/**
	 * Request defaults.
	 *
	 * @param defaultModel model used when a request names none
	 */
	public record Jobs(@DefaultValue("kiln-builtin") @NotBlank String defaultModel) {
	}

}
