package dev.kiln.contract;

import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;

class JobLogContextTests {

	@AfterEach
	void clear() {
		MDC.clear();
	}

	@Test
	void putsTheJobForTheScopeOnly() {
		JobMessage job = new JobMessage(1, "job-1", "acme", "sd15", "a kiln", null, 64, 64, 4, 7.5, 1L, 1, Lane.BATCH,
				Instant.now(), null);
		try (JobLogContext.Scope scope = JobLogContext.of(job)) {
			assertThat(MDC.getCopyOfContextMap()).containsEntry("jobId", "job-1")
				.containsEntry("tenant", "acme")
				.containsEntry("lane", "batch");
		}
		assertThat(MDC.getCopyOfContextMap()).doesNotContainKeys("jobId", "tenant", "lane");
	}

	@Test
	void anInnerScopeRestoresTheOuterOneAndLeavesOtherKeys() {
		MDC.put("traceId", "t-1");
		try (JobLogContext.Scope outer = JobLogContext.of("job-1", "acme", Lane.STANDARD)) {
			try (JobLogContext.Scope inner = JobLogContext.of("job-2", null, null)) {
				assertThat(MDC.get("jobId")).isEqualTo("job-2");
				assertThat(MDC.get("tenant")).as("not known inside, so not the outer job's").isNull();
			}
			assertThat(MDC.get("jobId")).isEqualTo("job-1");
			assertThat(MDC.get("tenant")).isEqualTo("acme");
			assertThat(MDC.get("lane")).isEqualTo("standard");
		}
		assertThat(MDC.get("jobId")).isNull();
		assertThat(MDC.get("traceId")).isEqualTo("t-1");
	}

}
