package dev.kiln.worker.drain;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DrainSignalTests {

	@Test
	void tellsEveryListenerOnceWithTheFirstReason() {
		DrainSignal signal = new DrainSignal();
		List<String> told = new CopyOnWriteArrayList<>();
		signal.onRaise(told::add);
		assertThat(signal.raise("spot notice")).isTrue();
		assertThat(signal.raise("shutting down")).isFalse();
		assertThat(told).containsExactly("spot notice");
		assertThat(signal.reason()).isEqualTo("spot notice");
	}

	@Test
	void aListenerRegisteredAfterTheDrainStartedIsToldAtOnce() {
		DrainSignal signal = new DrainSignal();
		signal.raise("shutting down");
		List<String> told = new CopyOnWriteArrayList<>();
		signal.onRaise(told::add);
		assertThat(told).containsExactly("shutting down");
	}

	@Test
	void theEndpointStartsTheSameDrain() {
		DrainSignal signal = new DrainSignal();
		DrainEndpoint endpoint = new DrainEndpoint(signal);
		assertThat(endpoint.state()).containsEntry("draining", false);
		assertThat(endpoint.drain()).containsEntry("draining", true);
		assertThat(signal.raised()).isTrue();
		assertThat(signal.reason()).contains("/actuator/drain");
	}

}
