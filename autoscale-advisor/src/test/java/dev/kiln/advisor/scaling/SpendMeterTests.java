package dev.kiln.advisor.scaling;

import java.time.Instant;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import dev.kiln.advisor.policy.Spend;

import static org.assertj.core.api.Assertions.assertThat;

class SpendMeterTests {

	private static final Offset<Double> CENT = Offset.offset(0.005);

	@Test
	void integratesTheRateInForceAndResetsAtMidnightAndMonthStart() {
		SpendMeter meter = new SpendMeter();
		meter.observe(Instant.parse("2026-01-31T22:00:00Z"), 2.0, 100, 1000);
		Spend beforeMidnight = meter.observe(Instant.parse("2026-01-31T23:30:00Z"), 4.0, 100, 1000);
		assertThat(beforeMidnight.today()).isCloseTo(3.0, CENT);
		assertThat(beforeMidnight.month()).isCloseTo(3.0, CENT);
		Spend nextDay = meter.observe(Instant.parse("2026-02-01T00:30:00Z"), 0, 100, 1000);
		assertThat(nextDay.today()).isCloseTo(4.0, CENT);
		assertThat(nextDay.month()).isCloseTo(4.0, CENT);
		assertThat(nextDay.dailyBudget()).isEqualTo(100);
		Spend later = meter.observe(Instant.parse("2026-02-01T05:00:00Z"), 1, 100, 1000);
		assertThat(later.today()).isCloseTo(4.0, CENT);
	}

}
