package dev.kiln.advisor.scaling;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.kiln.advisor.RedisFixture;
import dev.kiln.advisor.policy.Decision;
import dev.kiln.advisor.policy.QueuedJob;
import dev.kiln.contract.Lane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/** Unreadable inputs never turn into zero: the last decision is held, then withdrawn so KEDA's fallback applies. */
class ScalingAdvisorTests {

	private final Inputs inputs = mock(Inputs.class);

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T12:00:00Z"));

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final ScalingAdvisor advisor = new ScalingAdvisor(this.inputs,
			(now) -> new dev.kiln.advisor.policy.Prices(1.006, 0.35),
			RedisFixture.properties(Map.of("kiln.advisor.policy", "queue-length", "kiln.advisor.staleness", "30s")),
			this.clock, this.meters);

	@Test
	void holdsTheLastDecisionWhileInputsAreUnreadableThenGoesStale() {
		given(this.inputs.read()).willReturn(reading(0, 3, 0, List.of()));
		assertThat(this.advisor.decision()).isNull();
		assertThat(stale()).isEqualTo(1);

		this.advisor.refresh();
		assertThat(this.advisor.decision().lane(Lane.STANDARD).total()).isEqualTo(3);
		assertThat(stale()).isZero();

		given(this.inputs.read()).willThrow(new IllegalStateException("SQS unreachable"));
		this.clock.advance(Duration.ofSeconds(10));
		this.advisor.refresh();
		Decision held = this.advisor.decision();
		assertThat(held).isNotNull();
		assertThat(held.lane(Lane.STANDARD).total()).isEqualTo(3);
		assertThat(stale()).isEqualTo(1);

		this.clock.advance(Duration.ofSeconds(25));
		this.advisor.refresh();
		assertThat(this.advisor.decision()).isNull();
		assertThat(this.advisor.latest()).isNull();
	}

	@Test
	void countsJustRecordedJobsThatTheQueueDoesNotShowYetButNotOldOnes() {
		Instant now = this.clock.instant();
		List<QueuedJob> recorded = List.of(new QueuedJob(now, now.plusSeconds(900)));
		given(this.inputs.read()).willReturn(reading(0, 0, 0, recorded));

		// recorded a moment ago, its message not yet counted by SQS (or not yet sent): the lane has work
		this.advisor.refresh();
		assertThat(this.advisor.decision().lane(Lane.STANDARD).total()).isEqualTo(1);
		assertThat(this.advisor.latest().active()).isTrue();

		// once SQS counts it, it is not counted twice
		given(this.inputs.read()).willReturn(reading(0, 1, 0, recorded));
		this.advisor.refresh();
		assertThat(this.advisor.decision().lane(Lane.STANDARD).total()).isEqualTo(1);

		// an index entry whose message SQS never shows stops counting after the window: it cannot hold a replica
		given(this.inputs.read()).willReturn(reading(0, 0, 0, recorded));
		this.clock.advance(ScalingAdvisor.UNCOUNTED_WINDOW.plusSeconds(1));
		this.advisor.refresh();
		assertThat(this.advisor.decision().lane(Lane.STANDARD).total()).isZero();
	}

	@Test
	void pricesAReplicaHourAtItsLanesMixOrOnDemand() {
		ScalingAdvisor spot = new ScalingAdvisor(this.inputs, (now) -> new dev.kiln.advisor.policy.Prices(1.006, 0.35),
				RedisFixture.properties(Map.of("kiln.advisor.policy", "queue-length",
						"kiln.advisor.baseline-capacity", "SPOT")),
				this.clock, new SimpleMeterRegistry());
		// before the first decision every lane is priced on-demand
		assertThat(spot.replicaPricePerHour(Lane.STANDARD)).isEqualTo(1.006);

		given(this.inputs.read()).willReturn(reading(0, 3, 0, List.of()));
		spot.refresh();

		// three spot replicas on the standard lane; none on the interactive lane, and an unknown lane: on-demand
		assertThat(spot.decision().lane(Lane.STANDARD).spot()).isEqualTo(3);
		assertThat(spot.replicaPricePerHour(Lane.STANDARD)).isCloseTo(0.35, within(1e-12));
		assertThat(spot.replicaPricePerHour(Lane.INTERACTIVE)).isEqualTo(1.006);
		assertThat(spot.replicaPricePerHour(null)).isEqualTo(1.006);
	}

	/** Visible messages per lane, no workers, and the standard lane's index holding {@code standard}. */
	private static Inputs.Reading reading(long interactive, long standard, long batch, List<QueuedJob> waiting) {
		Map<Lane, JobIndexReader.LaneJobs> jobs = new EnumMap<>(Lane.class);
		for (Lane lane : Lane.values()) {
			jobs.put(lane, new JobIndexReader.LaneJobs((lane == Lane.STANDARD) ? waiting : List.of(), 0, 1.5));
		}
		return new Inputs.Reading(List.of(new LaneDepth(Lane.INTERACTIVE, interactive, 0, 0),
				new LaneDepth(Lane.STANDARD, standard, 0, 0), new LaneDepth(Lane.BATCH, batch, 0, 0)), jobs, List.of());
	}

	private double stale() {
		return this.meters.get("kiln.advisor.inputs.stale").gauge().value();
	}

	private static final class MutableClock extends Clock {

		private Instant now;

		MutableClock(Instant now) {
			this.now = now;
		}

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public ZoneId getZone() {
			return ZoneId.of("UTC");
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
