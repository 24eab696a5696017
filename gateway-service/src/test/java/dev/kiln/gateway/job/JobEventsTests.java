package dev.kiln.gateway.job;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JobEventsTests {

	@Test
	void aReadBlocksForTheKeepAliveButAtMostHalfTheCommandTimeout() {
		assertThat(JobEvents.blockFor(Duration.ofSeconds(15), Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(1));
		assertThat(JobEvents.blockFor(Duration.ofMillis(500), Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(500));
		// XREAD BLOCK 0 would block for ever
		assertThat(JobEvents.blockFor(Duration.ofSeconds(15), Duration.ofMillis(1))).isEqualTo(Duration.ofMillis(1));
	}

}
