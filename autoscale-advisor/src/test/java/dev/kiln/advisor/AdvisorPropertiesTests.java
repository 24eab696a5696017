package dev.kiln.advisor;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import dev.kiln.advisor.policy.DeadlinePolicy;
import dev.kiln.advisor.policy.QueueLengthPolicy;
import dev.kiln.advisor.policy.SpendCap;

import static org.assertj.core.api.Assertions.assertThat;

class AdvisorPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class);

	@Test
	void defaultsSelectTheQueueLengthBaselineUnderASpendCap() {
		this.runner.run((context) -> {
			AdvisorProperties advisor = context.getBean(AdvisorProperties.class);
			assertThat(advisor.scalingPolicy()).isInstanceOfSatisfying(SpendCap.class,
					(cap) -> assertThat(cap.delegate()).isInstanceOf(QueueLengthPolicy.class));
			assertThat(advisor.cooldown()).isZero();
			assertThat(advisor.scalingPolicy("deadline")).isInstanceOfSatisfying(SpendCap.class,
					(cap) -> assertThat(cap.delegate()).isInstanceOf(DeadlinePolicy.class));
			assertThat(advisor.deadlines().standard()).isEqualTo(Duration.ofMinutes(15));
			assertThat(advisor.budget().dailyLimit()).isInfinite();
		});
	}

	@Test
	void anUnknownPolicyStopsStartUpNamingTheProperty() {
		this.runner.withPropertyValues("kiln.advisor.policy=magic")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("kiln.advisor.policy")
				.hasMessageContaining("must be one of queue-length, backlog-without-capacity, batch-window, deadline"));
	}

	@Test
	void pricesComeFromTheTableByInstanceType() {
		this.runner.withPropertyValues("kiln.advisor.prices.instance-type=g6.xlarge",
				"kiln.advisor.prices.table[g5.xlarge].spot=0.31")
			.run((context) -> {
				AdvisorProperties.Prices prices = context.getBean(AdvisorProperties.class).prices();
				assertThat(prices.onDemand()).isEqualTo(0.8048);
				assertThat(prices.table().get("g5.xlarge").spot()).isEqualTo(0.31);
			});
		this.runner.withPropertyValues("kiln.advisor.prices.instance-type=p5.48xlarge")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("instance-type must be in the built-in price table"));
	}

	@Test
	void anEmptyRangeStopsStartUp() {
		this.runner.withPropertyValues("kiln.advisor.min-workers=5", "kiln.advisor.max-workers=2")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("min-workers must not exceed max-workers"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(AdvisorProperties.class)
	static class Config {

	}

}
