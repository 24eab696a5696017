package dev.kiln.contract;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LayoutTests {

	@Test
	void jobIdsAreUuidV7AndCarryTheirTimestamp() {
		Instant at = Instant.parse("2026-11-23T10:15:30.123Z");
		String id = JobIds.next(Clock.fixed(at, ZoneOffset.UTC));
		assertThat(JobIds.isValid(id)).as(id).isTrue();
		assertThat(JobIds.timestampMillis(id)).isEqualTo(at.toEpochMilli());
	}

	@Test
	void jobIdsSortByTime() {
		String earlier = JobIds.next(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
		String later = JobIds.next(Clock.fixed(Instant.parse("2026-01-01T00:00:00.001Z"), ZoneOffset.UTC));
		assertThat(earlier).isLessThan(later);
	}

	@Test
	void jobIdsAreUnique() {
		Set<String> ids = new HashSet<>();
		for (int i = 0; i < 10_000; i++) {
			ids.add(JobIds.next());
		}
		assertThat(ids).hasSize(10_000);
	}

	@Test
	void jobIdValidationRejectsOtherUuids() {
		assertThat(JobIds.isValid("3f2504e0-4f89-41d3-9a0c-0305e82c3301")).isFalse(); // v4
		assertThat(JobIds.isValid("../../etc/passwd")).isFalse();
	}

	@Test
	void queueNamesFollowTheLaneLayout() {
		QueueNames names = QueueNames.defaults();
		assertThat(names.jobs(Lane.STANDARD)).isEqualTo("kiln-jobs-standard");
		assertThat(names.deadLetters(Lane.BATCH)).isEqualTo("kiln-jobs-batch-dlq");
		assertThat(names.events()).isEqualTo("kiln-events");
		assertThatIllegalArgumentException().isThrownBy(() -> new QueueNames("bad prefix!"))
			.withMessageContaining("SQS queue name rules");
	}

	@Test
	void objectAndRedisKeysFollowTheLayout() {
		assertThat(ObjectKeys.image("acme", "j1", 3)).isEqualTo("jobs/acme/j1/3.png");
		assertThat(ObjectKeys.metadata("acme", "j1")).isEqualTo("jobs/acme/j1/metadata.json");
		assertThat(RedisKeys.job("j1")).isEqualTo("{kiln}:job:j1");
		assertThat(RedisKeys.laneQueued(Lane.INTERACTIVE)).isEqualTo("{kiln}:lane:interactive:queued");
		assertThat(RedisKeys.tenantJobs("acme")).isEqualTo("{kiln}:tenant:acme:jobs");
	}

	@Test
	void onlyTerminalStatesAreTerminal() {
		assertThat(JobState.SUCCEEDED.isTerminal()).isTrue();
		assertThat(JobState.CANCELLED.isTerminal()).isTrue();
		assertThat(JobState.FAILED.isTerminal()).isTrue();
		assertThat(JobState.RETRYING.isTerminal()).isFalse();
		assertThat(JobState.QUEUED.isTerminal()).isFalse();
	}

}
