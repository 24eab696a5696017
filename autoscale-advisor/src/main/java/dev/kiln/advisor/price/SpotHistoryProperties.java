package dev.kiln.advisor.price;

import java.net.URI;
import java.time.Duration;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The optional live spot price source: EC2 {@code DescribeSpotPriceHistory}. Off by default; the configured price
 * table is used then, and whenever EC2 cannot be read.
 *
 * @param enabled whether to read spot prices from EC2 (needs {@code ec2:DescribeSpotPriceHistory})
 * @param endpoint the EC2 endpoint, {@code https://ec2.<region>.amazonaws.com/} when not set
 * @param productDescription the product whose prices are read
 * @param refresh how long a reading is used before EC2 is asked again
 * @param lookback how far back the history is read
 */
@ConfigurationProperties("kiln.advisor.prices.spot-history")
@Validated
public record SpotHistoryProperties(@DefaultValue("false") boolean enabled, @Nullable URI endpoint,
		@DefaultValue("Linux/UNIX") @NotBlank String productDescription, @DefaultValue("10m") @NotNull Duration refresh,
		@DefaultValue("3h") @NotNull Duration lookback) {
}
