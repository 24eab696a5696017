package dev.kiln.advisor.price;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.kiln.embedded.Ports;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/** With the spot price history switched on, the advisor reads prices through it, and falls back while EC2 is down. */
@SpringBootTest(properties = { "kiln.queues.prefix=spottest", "kiln.advisor.grpc-port=0",
		"kiln.advisor.prices.spot-history.enabled=true",
		// no scheduled cost rounds from this cached context on the shared Redis (other tests' counts are their own)
		"kiln.advisor.cost.attribution=false" })
class SpotPriceWiringIntegrationTests {

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
		registry.add("kiln.advisor.prices.spot-history.endpoint", () -> "http://127.0.0.1:" + Ports.free() + "/");
	}

	@Test
	void theSpotHistoryProviderAnswersAndFallsBackToTheTable(@Autowired PriceProvider prices) {
		assertThat(prices).isInstanceOf(Ec2SpotPriceProvider.class);
		// nothing listens at the endpoint: the configured table (g5.xlarge) answers
		assertThat(prices.prices(Instant.now()).onDemandPerHour()).isEqualTo(1.006);
		assertThat(prices.prices(Instant.now()).spotPerHour()).isEqualTo(0.35);
	}

}
