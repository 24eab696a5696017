package dev.kiln.queue.webhook;

import java.net.InetAddress;
import java.util.List;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.kiln.contract.CallbackUrlPolicy;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.support.config.SharedProperties;

/**
 * The one {@link WebhookSender} of the service: its HTTP client is shared by every delivery and closed with the
 * application context.
 */
@Configuration(proxyBeanMethods = false)
class WebhookConfiguration {

	/** Callback hosts are resolved by the system resolver. */
	private static final CallbackUrlPolicy.Resolver SYSTEM_RESOLVER = (host) -> List
		.of(InetAddress.getAllByName(host));

	@Bean
	WebhookSender webhookSender(QueueServiceProperties properties, SharedProperties shared) {
		return new WebhookSender(shared.callbacks().policy(), SYSTEM_RESOLVER, properties.webhooks().timeout());
	}

}
