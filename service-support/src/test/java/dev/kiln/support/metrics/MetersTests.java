package dev.kiln.support.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MetersTests {

	private final MeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void aCounterIsRegisteredAtZeroWithItsDescriptionAndTags() {
		Meters.counter(this.registry, "kiln.test.things", "Things counted", "lane", "batch", "outcome", "ok");
		Counter counter = this.registry.get("kiln.test.things").tag("lane", "batch").tag("outcome", "ok").counter();
		assertThat(counter.count()).isZero();
		assertThat(counter.getId().getDescription()).isEqualTo("Things counted");
	}

	@Test
	void registeringAgainGivesTheSameCounter() {
		Counter first = Meters.counter(this.registry, "kiln.test.things", "Things counted", "lane", "batch");
		Meters.counter(this.registry, "kiln.test.things", "Things counted", "lane", "batch").increment(2);
		assertThat(first.count()).isEqualTo(2);
		assertThat(Meters.counter(this.registry, "kiln.test.things", "Things counted", "lane", "interactive").count())
			.isZero();
	}

	@Test
	void aNameOutsideKilnsPrefixIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> Meters.counter(this.registry, "things", "Things counted"))
			.withMessageContaining("kiln.");
	}

	@Test
	void aCounterWithoutDescriptionIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> Meters.counter(this.registry, "kiln.test.things", " "))
			.withMessageContaining("kiln.test.things");
	}

	@Test
	void tagsComeInPairs() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> Meters.counter(this.registry, "kiln.test.things", "Things counted", "lane"));
	}

}
