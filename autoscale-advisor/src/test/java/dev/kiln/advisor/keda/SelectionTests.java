package dev.kiln.advisor.keda;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.kiln.advisor.policy.Decision;
import dev.kiln.advisor.policy.Replicas;
import dev.kiln.contract.Lane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SelectionTests {

	private static final Decision DECISION = new Decision("deadline",
			Map.of(Lane.INTERACTIVE, new Replicas(0, 1), Lane.BATCH, new Replicas(3, 2)), 4, false, "test");

	@Test
	void selectsByLaneCapacityAndSignal() {
		assertThat(Selection.from(Map.of()).value(DECISION)).isEqualTo(6);
		assertThat(Selection.from(Map.of("lane", "batch")).value(DECISION)).isEqualTo(5);
		assertThat(Selection.from(Map.of("lane", "batch", "capacity", "spot")).value(DECISION)).isEqualTo(3);
		assertThat(Selection.from(Map.of("capacity", "on-demand")).value(DECISION)).isEqualTo(3);
		assertThat(Selection.from(Map.of("signal", "prewarm")).value(DECISION)).isEqualTo(4);
		// the Helm chart's trigger: a lane list plus keys the advisor does not need
		assertThat(Selection.from(Map.of("lanes", "interactive,standard,batch", "queuePrefix", "kiln")).value(DECISION))
			.isEqualTo(6);
		assertThat(Selection.from(Map.of("lanes", "interactive,standard")).value(DECISION)).isEqualTo(1);
	}

	@Test
	void namesItsMetric() {
		assertThat(Selection.from(Map.of("lane", "batch", "capacity", "spot")).metricName())
			.isEqualTo("kiln-replicas-batch-spot");
		assertThat(Selection.from(Map.of()).metricName()).isEqualTo("kiln-replicas-all-all");
		assertThat(Selection.from(Map.of("lanes", "batch,interactive")).metricName())
			.isEqualTo("kiln-replicas-interactive-batch-all");
		assertThat(Selection.from(Map.of("signal", "prewarm")).metricName()).isEqualTo("kiln-prewarm");
	}

	@Test
	void refusesUnknownValues() {
		assertThatIllegalArgumentException().isThrownBy(() -> Selection.from(Map.of("lane", "express")));
		assertThatIllegalArgumentException().isThrownBy(() -> Selection.from(Map.of("capacity", "reserved")));
		assertThatIllegalArgumentException().isThrownBy(() -> Selection.from(Map.of("signal", "cost")));
	}

}
