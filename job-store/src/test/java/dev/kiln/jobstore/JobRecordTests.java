package dev.kiln.jobstore;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;

import static org.assertj.core.api.Assertions.assertThat;

class JobRecordTests {

	@Test
	void parsesTheFieldsOnce() {
		JobRecord record = JobRecord.parse("j1",
				Map.of("state", "RUNNING", "tenant", "acme", "lane", "interactive", "submittedAt",
						"2026-12-01T10:00:00Z", "step", "3", "totalSteps", "8", "attempt", "2", "cost", "0.5",
						"cancelRequested", "true"));
		assertThat(record).isNotNull();
		assertThat(record.state()).isEqualTo(JobState.RUNNING);
		assertThat(record.lane()).isEqualTo(Lane.INTERACTIVE);
		assertThat(record.submittedAt()).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
		assertThat(record.step()).isEqualTo(3);
		assertThat(record.totalSteps()).isEqualTo(8);
		assertThat(record.attempt()).isEqualTo(2);
		assertThat(record.cost()).isEqualTo(0.5);
		assertThat(record.cancelRequested()).isTrue();
		assertThat(record.terminal()).isFalse();
		assertThat(record.others()).isEmpty();
	}

	@Test
	void keepsFieldsOfNewerWritersAndReadsUnknownValuesAsAbsent() {
		JobRecord record = JobRecord.parse("j1", Map.of("state", "PAUSED", "lane", "express", "step", "x",
				"traceparent", "00-abc-def-01", "initImage", "in.png", "startedAt", "yesterday"));
		assertThat(record).isNotNull();
		assertThat(record.state()).isNull();
		assertThat(record.lane()).isNull();
		assertThat(record.step()).isZero();
		assertThat(record.startedAt()).isNull();
		assertThat(record.others()).containsOnly(Map.entry("traceparent", "00-abc-def-01"), Map.entry("initImage", "in.png"));
	}

	@Test
	void noFieldsIsNoRecord() {
		assertThat(JobRecord.parse("j1", Map.of())).isNull();
	}

}
