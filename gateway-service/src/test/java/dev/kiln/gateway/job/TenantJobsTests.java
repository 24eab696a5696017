package dev.kiln.gateway.job;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ModelInfo;
import dev.kiln.contract.WorkerHeartbeat;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.model.ModelCatalog;
import dev.kiln.jobstore.JobRecord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/** Reading the caller's jobs back: queue estimates, and another tenant's job. */
class TenantJobsTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

	private static final Caller CALLER = new Caller("acme", false, "test");

	private static final String ID = "019a7b2c-3d4e-7f01-8a2b-3c4d5e6f7a8b";

	private final JobRepository repository = mock();

	private final ModelCatalog models = mock();

	private final JsonMapper json = JsonMapper.builder().build();

	private TenantJobs jobs;

	@BeforeEach
	void jobs() {
		this.jobs = new TenantJobs(this.repository,
				JobFixtures.views(this.repository, mock(), this.models, JobSubmissionsTests.api()),
				Clock.fixed(NOW, ZoneOffset.UTC), JobFixtures.shared());
	}

	@Test
	void addsTheColdStartToTheEtaWhenNoWorkerRuns() {
		given(this.repository.find(ID)).willReturn(queued(ID));
		given(this.repository.rank(Lane.STANDARD, ID)).willReturn(2L);
		given(this.repository.meanRenderSeconds("small")).willReturn(10.0);
		given(this.models.liveWorkers()).willReturn(List.of());
		JobView.QueuePosition queue = this.jobs.find(CALLER, ID).queue();
		assertThat(queue.position()).isEqualTo(3);
		assertThat(queue.etaSeconds()).isEqualTo(3 * 10.0 + 90);
		assertThat(queue.etaReason()).isEqualTo("measured-cold-start");
	}

	@Test
	void dividesTheQueueAmongTheWorkersServingTheModel() {
		given(this.repository.find(ID)).willReturn(queued(ID));
		given(this.repository.rank(Lane.STANDARD, ID)).willReturn(3L);
		given(this.repository.meanRenderSeconds("small")).willReturn(10.0);
		given(this.models.liveWorkers()).willReturn(List.of(worker("w1", "small"), worker("w2", "small"),
				worker("w3", "other")));
		JobView.QueuePosition queue = this.jobs.find(CALLER, ID).queue();
		assertThat(queue.liveWorkers()).isEqualTo(2);
		assertThat(queue.etaSeconds()).isEqualTo(4 * 10.0 / 2);
	}

	@Test
	void anotherTenantsJobIsNotFound() {
		given(this.repository.find(ID)).willReturn(queued(ID));
		assertThat(catchThrowableOfType(JobNotFoundException.class,
				() -> this.jobs.find(new Caller("intruder", false, "x"), ID)))
			.hasMessage("No job with id '" + ID + "'");
	}

	@Test
	void aRunningJobShowsItsRecordedProgressAttemptAndTraceId() {
		JobMessage message = message(ID);
		given(this.repository.find(ID)).willReturn(JobRecord.parse(ID,
				Map.of(JobFields.STATE, "RUNNING", JobFields.TENANT, "acme", JobFields.LANE, "standard",
						JobFields.REQUEST, this.json.writeValueAsString(message), JobFields.STEP, "7",
						JobFields.TOTAL_STEPS, "20", JobFields.ATTEMPT, "2", JobFields.STARTED_AT,
						"2026-11-23T10:00:05Z", JobFields.TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736")));
		JobView job = this.jobs.find(CALLER, ID);
		assertThat(job.progress()).isEqualTo(new JobView.Progress(7, 20));
		assertThat(job.attempt()).isEqualTo(2);
		assertThat(job.startedAt()).isEqualTo(Instant.parse("2026-11-23T10:00:05Z"));
		assertThat(job.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
		assertThat(job.queue()).isNull();
	}

	private JobRecord queued(String id) {
		return JobRecord.parse(id, Map.of(JobFields.STATE, "QUEUED", JobFields.TENANT, "acme", JobFields.REQUEST,
				this.json.writeValueAsString(message(id))));
	}

	private static JobMessage message(String id) {
		return new JobMessage(1, id, "acme", "small", "fox", null, 64, 64, 20, 7.5, 1, 1, Lane.STANDARD, NOW, null);
	}

	private static WorkerHeartbeat worker(String id, String model) {
		return new WorkerHeartbeat(1, id, List.of(new ModelInfo(model, "builtin", 65536, 30, 2)), "cpu", false, null,
				NOW, NOW);
	}

}
