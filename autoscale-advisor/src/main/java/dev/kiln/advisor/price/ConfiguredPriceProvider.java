package dev.kiln.advisor.price;

import java.time.Instant;

import org.springframework.stereotype.Component;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.advisor.policy.Prices;

/** Prices of the configured instance type from the price table ({@code kiln.advisor.prices.*}). */
@Component
class ConfiguredPriceProvider implements PriceProvider {

	private final Prices prices;

	ConfiguredPriceProvider(AdvisorProperties properties) {
		AdvisorProperties.InstancePrice price = properties.prices().selected();
		this.prices = new Prices(price.onDemand(), price.spot());
	}

	@Override
	public Prices prices(Instant now) {
		return this.prices;
	}

}
