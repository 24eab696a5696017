package dev.kiln.advisor.price;

import java.time.Instant;

import dev.kiln.advisor.policy.Prices;

/**
 * Prices of one worker replica now. The advisor and the cost attribution read prices only through this interface,
 * so a live source (e.g. EC2 spot price history) can replace the configured table.
 */
public interface PriceProvider {

	/**
	 * The prices in force at an instant.
	 * @param now the instant
	 * @return on-demand and spot dollars per hour of one replica
	 */
	Prices prices(Instant now);

}
