package dev.kiln.worker.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.model.ModelRegistry;
import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.ImageGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Making a pass of the messages in hand and filling it from the lane, with the queue stubbed and a clock that moves
 * one millisecond each time it is read (so the wait bound is reached without depending on the machine's speed).
 */
class PassFillerTests {

	private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

	private final JobQueues queues = mock();

	private final ModelRegistry registry = mock();

	private final AtomicLong millis = new AtomicLong();

	private final Clock clock = new Clock() {

		@Override
		public Instant instant() {
			return T0.plusMillis(PassFillerTests.this.millis.getAndIncrement());
		}

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

	};

	private PassFiller filler;

	@BeforeEach
	void wire() {
		filler("true", "20ms", "gpu(0)", "false");
	}

	private void filler(String enabled, String maxWait) {
		filler(enabled, maxWait, "gpu(0)", "false");
	}

	private void filler(String enabled, String maxWait, String device, String cpu) {
		WorkerProperties properties = new Binder(new MapConfigurationPropertySource(Map.of("kiln.worker.id", "w1",
				"kiln.worker.model-cache", "/tmp/kiln-models", "kiln.worker.models.m.type", "builtin",
				"kiln.worker.models.m.location", "file:/models/m", "kiln.worker.models.m.max-batch", "4",
				"kiln.worker.batching.enabled", enabled, "kiln.worker.batching.max-wait", maxWait,
				"kiln.worker.batching.cpu", cpu)))
			.bind("kiln.worker", WorkerProperties.class)
			.get();
		ImageGenerator generator = mock();
		given(generator.batches()).willReturn(true);
		given(generator.device()).willReturn(device);
		ServedModel model = new ServedModel("m", generator, properties.models().get("m"));
		given(this.registry.find("m")).willReturn(Optional.of(model));
		given(this.registry.all()).willReturn(List.of(model));
		this.filler = new PassFiller(this.queues, this.registry, new WorkerActivity(this.clock, new SimpleMeterRegistry()),
				this.clock, new JobPolicies().batchPolicy(properties));
		this.millis.set(0);
	}

	@Test
	void aLoneJobRendersAtOnceWithoutAnotherReceive() {
		List<HeldMessage> inHand = List.of(message(job(Lane.STANDARD, 64, null)));

		PassFiller.Pass pass = this.filler.fill(inHand, 100, () -> false);

		assertThat(pass.messages()).isEqualTo(inHand);
		assertThat(pass.later()).isEmpty();
		verify(this.queues, never()).receive(any(), anyInt(), any());
	}

	@Test
	void aBacklogFillsThePassUpToTheModelsMaxBatchAndHoldsIncompatibleJobsForTheirOwnPass() {
		HeldMessage a = message(job(Lane.STANDARD, 64, null));
		HeldMessage b = message(job(Lane.STANDARD, 64, null));
		HeldMessage square = message(job(Lane.STANDARD, 128, null));
		HeldMessage c = message(job(Lane.STANDARD, 64, null));
		HeldMessage d = message(job(Lane.STANDARD, 64, null));
		HeldMessage e = message(job(Lane.STANDARD, 64, null));
		given(this.queues.receive(eq(Lane.STANDARD), anyInt(), eq(Duration.ZERO))).willReturn(List.of(square, c))
			.willReturn(List.of(d, e));

		PassFiller.Pass pass = this.filler.fill(List.of(a, b), 100, () -> false);

		assertThat(pass.messages()).containsExactly(a, b, c, d);
		assertThat(pass.later()).as("not compatible, or beyond max-batch 4").containsExactly(square, e);
		verify(this.queues).receive(Lane.STANDARD, 2, Duration.ZERO);
	}

	@Test
	void jobsNamingAnotherSchedulerWaitForTheirOwnPass() {
		HeldMessage a = message(job(Lane.STANDARD, 64, null));
		HeldMessage euler = message(withScheduler(job(Lane.STANDARD, 64, null), "euler"));
		HeldMessage b = message(job(Lane.STANDARD, 64, null));
		HeldMessage dpm = message(withScheduler(job(Lane.STANDARD, 64, null), "dpm++2m"));
		HeldMessage c = message(job(Lane.STANDARD, 64, null));
		given(this.queues.receive(eq(Lane.STANDARD), anyInt(), eq(Duration.ZERO))).willReturn(List.of(dpm, c))
			.willReturn(List.of());

		PassFiller.Pass pass = this.filler.fill(List.of(a, euler, b), 100, () -> false);

		assertThat(pass.messages()).containsExactly(a, b, c);
		assertThat(pass.later()).containsExactly(euler, dpm);
		assertThat(PassFiller.compatible(euler.job(), withScheduler(job(Lane.STANDARD, 64, null), "euler"))).isTrue();
	}

	private static JobMessage withScheduler(JobMessage job, String scheduler) {
		return new JobMessage(job.schemaVersion(), job.jobId(), job.tenant(), job.model(), job.prompt(),
				job.negativePrompt(), job.width(), job.height(), job.steps(), job.guidanceScale(), job.seed(),
				job.numImages(), job.lane(), job.submittedAt(), job.deadline(), scheduler);
	}

	@Test
	void theStandardLaneWaitsUpToMaxWaitForMoreJobs() {
		given(this.queues.receive(eq(Lane.STANDARD), anyInt(), eq(Duration.ZERO))).willReturn(List.of());

		PassFiller.Pass pass = this.filler.fill(
				List.of(message(job(Lane.STANDARD, 64, null)), message(job(Lane.STANDARD, 64, null))), 100,
				() -> false);

		assertThat(pass.messages()).hasSize(2);
		// the round began at 0 ms; the clock moves 1 ms per reading, one reading per try: receives at 1 to 19 ms, and
		// at 20 ms (began + max-wait) the pass renders
		assertThat(receives()).isEqualTo(19);
		assertThat(this.millis.get()).isEqualTo(21);
	}

	@Test
	void theInteractiveLaneStopsAtTheFirstEmptyReceive() {
		given(this.queues.receive(eq(Lane.INTERACTIVE), anyInt(), eq(Duration.ZERO))).willReturn(List.of());

		PassFiller.Pass pass = this.filler.fill(
				List.of(message(job(Lane.INTERACTIVE, 64, null)), message(job(Lane.INTERACTIVE, 64, null))), 100,
				() -> false);

		assertThat(pass.messages()).hasSize(2);
		verify(this.queues, times(1)).receive(eq(Lane.INTERACTIVE), anyInt(), any());
	}

	@Test
	void aJobWhoseDeadlineHasPassedIsNotHeldToFillItsPass() {
		PassFiller.Pass pass = this.filler.fill(List.of(message(job(Lane.BATCH, 64, T0.minusSeconds(1))),
				message(job(Lane.BATCH, 64, null))), 100, () -> false);

		assertThat(pass.messages()).hasSize(2);
		verify(this.queues, never()).receive(any(), anyInt(), any());
	}

	@Test
	void stopsFillingWhenTheWorkerDrainsOrTheJobLimitIsReached() {
		AtomicBoolean draining = new AtomicBoolean(true);
		this.filler.fill(List.of(message(job(Lane.STANDARD, 64, null)), message(job(Lane.STANDARD, 64, null))), 100,
				draining::get);
		this.filler.fill(List.of(message(job(Lane.STANDARD, 64, null)), message(job(Lane.STANDARD, 64, null))), 2,
				() -> false);
		verify(this.queues, never()).receive(any(), anyInt(), any());
	}

	@Test
	void disabledItTakesOnlyWhatOneReceiveBroughtAndAsksForReceiveBatch() {
		filler("false", "20ms");
		assertThat(this.filler.receiveCount(1)).isEqualTo(1);
		this.filler.fill(List.of(message(job(Lane.STANDARD, 64, null)), message(job(Lane.STANDARD, 64, null))), 100,
				() -> false);
		verify(this.queues, never()).receive(any(), anyInt(), any());
		filler("true", "20ms");
		assertThat(this.filler.receiveCount(1)).as("enough for the largest pass").isEqualTo(4);
	}

	@Test
	void onTheCpuItFillsOnlyWhenAskedToButStillSharesAPassAmongJobsInHand() {
		filler("true", "20ms", "cpu()", "false");
		HeldMessage a = message(job(Lane.STANDARD, 64, null));
		HeldMessage b = message(job(Lane.STANDARD, 64, null));
		assertThat(this.filler.receiveCount(1)).as("as without dynamic batching").isEqualTo(1);
		assertThat(this.filler.fill(List.of(a, b), 100, () -> false).messages()).containsExactly(a, b);
		verify(this.queues, never()).receive(any(), anyInt(), any());

		filler("true", "20ms", "cpu()", "true");
		given(this.queues.receive(eq(Lane.STANDARD), anyInt(), eq(Duration.ZERO))).willReturn(List.of());
		assertThat(this.filler.receiveCount(1)).isEqualTo(4);
		this.filler.fill(List.of(a, b), 100, () -> false);
		verify(this.queues, org.mockito.Mockito.atLeastOnce()).receive(eq(Lane.STANDARD), anyInt(), eq(Duration.ZERO));
	}

	private static HeldMessage message(JobMessage job) {
		return new HeldMessage(job.lane(), "queue", "m-" + job.jobId(), "r-" + job.jobId(), System.nanoTime(), 1, "{}",
				job);
	}

	private static JobMessage job(Lane lane, int size, Instant deadline) {
		return new JobMessage(1, JobIds.next(), "acme", "m", "a fox", null, size, size, 3, 7.5, 1, 1, lane,
				T0.minusSeconds(5), deadline);
	}

	/** How many receives the filler made. */
	private long receives() {
		return org.mockito.Mockito.mockingDetails(this.queues).getInvocations().stream()
			.filter((call) -> call.getMethod().getName().equals("receive"))
			.count();
	}

}
