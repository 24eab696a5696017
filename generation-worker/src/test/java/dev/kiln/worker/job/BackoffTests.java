package dev.kiln.worker.job;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTests {

	@Test
	void doublesWithEveryAttemptUpToTheCap() {
		Backoff backoff = new Backoff(Duration.ofSeconds(15), Duration.ofMinutes(2), () -> 0.0);
		assertThat(backoff.seconds(1)).isEqualTo(15);
		assertThat(backoff.seconds(2)).isEqualTo(30);
		assertThat(backoff.seconds(3)).isEqualTo(60);
		assertThat(backoff.seconds(4)).isEqualTo(120);
		assertThat(backoff.seconds(9)).isEqualTo(120);
	}

	@Test
	void addsUpToAQuarterOfJitter() {
		assertThat(new Backoff(Duration.ofSeconds(40), Duration.ofHours(1), () -> 0.999).seconds(1)).isEqualTo(50);
		assertThat(new Backoff(Duration.ofSeconds(40), Duration.ofHours(1), () -> 0.5).seconds(1)).isEqualTo(45);
	}

	@Test
	void neverExceedsTwelveHoursOrGoesBelowOneSecond() {
		assertThat(new Backoff(Duration.ofHours(12), Duration.ofHours(12), () -> 0.999).seconds(1000))
			.isEqualTo(43200);
		assertThat(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.0).seconds(1)).isEqualTo(1);
	}

}
