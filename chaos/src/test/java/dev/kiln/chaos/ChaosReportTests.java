package dev.kiln.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.kiln.chaos.FaultInjector.Fault;
import dev.kiln.chaos.FaultInjector.Kind;
import dev.kiln.contract.ObjectKeys;

import static org.assertj.core.api.Assertions.assertThat;

class ChaosReportTests {

	private static final ChaosOptions OPTIONS = ChaosOptions.from(new Properties());

	private static final ChaosReport.Pace NO_PACE = new ChaosReport.Pace(0, List.of());

	@Test
	void aRunWhereEveryJobSucceededOnceWithItsOutputsPasses() {
		ChaosReport report = report(2, succeeded("a", 1, 1), succeeded("b", 2, 3));
		assertThat(report.violations()).isEmpty();
		assertThat(report.reRenderedJobs()).isEqualTo(1);
		assertThat(report.extraRenders()).isEqualTo(2);
		assertThat(report.toMarkdown()).contains("| SUCCEEDED / FAILED / CANCELLED | 2 / 0 / 0 |",
				"| Jobs rendered more than once / extra renders | 1 / 2 |", "| Invariant violations | 0 |");
	}

	@Test
	void anAcceptedJobWithoutARecordIsLost() {
		JobObservation lost = new JobObservation("lost", true, false, null, null, null, 0, 0, 1, Set.of());
		assertThat(report(2, succeeded("a", 1, 1), lost).violations()).containsExactly("lost: LOST (no record)");
	}

	@Test
	void aJobThatIsNotFinishedOrFinishedTwiceIsAViolation() {
		JobObservation running = new JobObservation("r", true, true, "RUNNING", null, null, 0, 1, 1, Set.of());
		JobObservation twice = new JobObservation("t", true, true, "SUCCEEDED", null, null, 2, 1, 1, outputs("t", 1));
		assertThat(report(2, running, twice).violations()).containsExactly("r: not finished, state RUNNING",
				"t: 2 terminal entries in its event stream");
	}

	@Test
	void aSucceededJobNeedsExactlyItsImagesAndMetadata() {
		JobObservation missing = new JobObservation("m", true, true, "SUCCEEDED", null, null, 1, 1, 2, outputs("m", 1));
		Set<String> extra = new java.util.HashSet<>(outputs("x", 1));
		extra.add(ObjectKeys.preview(ChaosStack.TENANT, "x", 2));
		JobObservation withPreview = new JobObservation("x", true, true, "SUCCEEDED", null, null, 1, 1, 1, extra);
		assertThat(report(2, missing, withPreview).violations()).hasSize(2)
			.allSatisfy((line) -> assertThat(line).contains(": outputs [", ", expected ["));
	}

	@Test
	void aStrayCheckpointIsAViolationUnlessCountedApart() {
		Set<String> keys = new java.util.HashSet<>(outputs("c", 1));
		keys.add(ObjectKeys.checkpoint(ChaosStack.TENANT, "c"));
		JobObservation stray = new JobObservation("c", true, true, "SUCCEEDED", null, null, 1, 1, 1, keys);
		assertThat(report(1, stray).violations()).singleElement().asString().contains("c: outputs [");
		assertThat(report(1, stray).strayCheckpoints()).isEqualTo(1);
		Properties lenient = new Properties();
		lenient.setProperty("kiln.chaos.strict-checkpoints", "false");
		ChaosReport report = new ChaosReport(ChaosOptions.from(lenient), 1, 0, Map.of(), List.of(), List.of(stray),
				List.of(), 0, 0, List.of(), List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), NO_PACE);
		assertThat(report.violations()).isEmpty();
		assertThat(report.toMarkdown()).contains("| SUCCEEDED jobs with a stray checkpoint (not counted");
	}

	@Test
	void aFailedJobIsListedWithItsReason() {
		JobObservation failed = new JobObservation("f", true, true, "FAILED", "exhausted-retries", "10 attempts", 1, 10,
				1, Set.of());
		assertThat(report(1, failed).violations()).containsExactly("f: FAILED (exhausted-retries: 10 attempts)");
		assertThat(report(1, failed).toMarkdown()).contains("| SUCCEEDED / FAILED / CANCELLED | 0 / 1 / 0 |");
	}

	@Test
	void unacceptedSubmissionsLeftoverMessagesAndInjectorErrorsAreViolations() {
		ChaosReport report = new ChaosReport(OPTIONS, 2, 3, Map.of("503", 2, "ConnectException", 1),
				List.of("job 1: 400 bad"), List.of(succeeded("a", 1, 1)),
				List.of(), 1, 0, List.of(new Fault(Instant.now(), Kind.SIGKILL, "w", "pid 1")),
				List.of("worker did not start"), Duration.ofSeconds(1), Duration.ofSeconds(1), NO_PACE);
		assertThat(report.violations()).containsExactly("only 1 of 2 submissions were accepted",
				"submission rejected: job 1: 400 bad", "1 message(s) left in the jobs queues",
				"fault injector: worker did not start");
		assertThat(report.toMarkdown()).contains("| Faults: SIGKILL | 1 |",
				"| Submission retries (5xx, 429, connection errors) | 3 {503=2, ConnectException=1} |");
	}

	@Test
	void aJobRecordedWithoutA202MustFinishToo() {
		JobObservation unacknowledged = new JobObservation("u", false, true, "QUEUED", null, null, 0, 0, 1, Set.of());
		assertThat(report(1, succeeded("a", 1, 1), unacknowledged).violations())
			.containsExactly("u (recorded without a 202): not finished, state QUEUED");
	}

	@Test
	void messagesInADeadLetterQueueAreAViolation() {
		ChaosReport report = new ChaosReport(OPTIONS, 1, 0, Map.of(), List.of(), List.of(succeeded("a", 1, 1)),
				List.of(), 0, 2, List.of(), List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), NO_PACE);
		assertThat(report.violations()).containsExactly("2 message(s) in the dead-letter queues (jobs or events)");
		assertThat(report.toMarkdown()).contains("| Messages left in jobs queues / dead letters (jobs + events) | 0 / 2 |");
	}

	@Test
	void theSettleTimeIsReportedWithTheBacklogItWorkedOffAndTheWorkersStartTimes() {
		// run D's figures: 1467 jobs still queued when settling began, workers starting in 8 s alone and 26 s at worst
		ChaosReport.Pace pace = new ChaosReport.Pace(1467,
				List.of(Duration.ofMillis(8400), Duration.ofMillis(25600), Duration.ofMillis(20000)));
		ChaosReport report = new ChaosReport(OPTIONS, 1, 0, Map.of(), List.of(), List.of(succeeded("a", 1, 1)),
				List.of(), 0, 0, List.of(), List.of(), Duration.ofMillis(666400), Duration.ofMillis(90800), pace);
		assertThat(report.violations()).isEmpty();
		assertThat(report.toMarkdown()).contains("| Submission time / settle time | 666.4 s / 90.8 s |",
				"| Jobs unfinished when settling began | 1467 |",
				"| Worker starts (launch to heartbeat): count, mean / longest | 3, 18.0 s / 25.6 s |");
	}

	@Test
	void aBacklogThatCouldNotBeReadOrNoWorkerStartIsSaidSo() {
		ChaosReport report = new ChaosReport(OPTIONS, 1, 0, Map.of(), List.of(), List.of(succeeded("a", 1, 1)),
				List.of(), 0, 0, List.of(), List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2),
				new ChaosReport.Pace(-1, List.of()));
		assertThat(report.toMarkdown()).contains("| Jobs unfinished when settling began | unknown |",
				"| Worker starts (launch to heartbeat): count, mean / longest | none |");
	}

	private static ChaosReport report(int submitted, JobObservation... observations) {
		return new ChaosReport(OPTIONS, submitted, 0, Map.of(), List.of(), List.of(observations), List.of(), 0, 0,
				List.of(), List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), NO_PACE);
	}

	private static JobObservation succeeded(String id, int images, int starts) {
		return new JobObservation(id, true, true, "SUCCEEDED", null, null, 1, starts, images, outputs(id, images));
	}

	private static Set<String> outputs(String id, int images) {
		Set<String> keys = new java.util.HashSet<>();
		for (int i = 0; i < images; i++) {
			keys.add(ObjectKeys.image(ChaosStack.TENANT, id, i));
		}
		keys.add(ObjectKeys.metadata(ChaosStack.TENANT, id));
		return keys;
	}

}
