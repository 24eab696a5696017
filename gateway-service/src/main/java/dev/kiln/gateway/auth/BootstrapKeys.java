package dev.kiln.gateway.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

import dev.kiln.gateway.GatewayApiProperties;

/** Creates the configured bootstrap keys ({@code kiln.gateway.auth.bootstrap-keys}) at start-up. */
@Component
class BootstrapKeys implements ApplicationRunner {

	private static final Logger logger = LoggerFactory.getLogger(BootstrapKeys.class);

	private final ApiKeys keys;

	private final GatewayApiProperties.Auth auth;

	BootstrapKeys(ApiKeys keys, GatewayApiProperties properties) {
		this.keys = keys;
		this.auth = properties.auth();
	}

	@Override
	public void run(ApplicationArguments args) {
		for (GatewayApiProperties.BootstrapKey key : this.auth.bootstrapKeys()) {
			this.keys.ensure(key.key(), key.tenant(), key.admin(), key.name());
			logger.info("API key '{}' for tenant '{}'{} is ready", key.name(), key.tenant(), key.admin() ? " (admin)" : "");
		}
	}

}
