package dev.kiln.gateway.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.opentelemetry.api.common.AttributeKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import dev.kiln.contract.ImageSize;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.input.InputImage;
import dev.kiln.gateway.input.InputStore;
import dev.kiln.gateway.model.ModelCatalog;
import dev.kiln.gateway.web.ApiProblemException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

/** The rules of a submission that need the model catalog, and the trace of a submission. */
class JobSubmissionsTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

	private static final Caller CALLER = new Caller("acme", false, "test");

	private final JobRepository repository = mock();

	private final JobPublisher publisher = mock();

	private final ImageLinks links = mock();

	private final ModelCatalog models = mock();

	private final InputStore inputs = mock();

	private final TestTracing tracing = new TestTracing();

	private JobSubmissions service;

	@BeforeEach
	void service() {
		GatewayApiProperties api = api();
		this.service = JobFixtures.submissions(this.repository, this.publisher, mock(), this.links, this.models,
				this.inputs, Clock.fixed(NOW, ZoneOffset.UTC), api, this.tracing.jobTracing());
		given(this.models.defaultModel()).willReturn("small");
		given(this.models.limits("small")).willReturn(Optional.of(new GatewayApiProperties.ModelLimits(65536, 30, 2)));
		given(this.models.ids()).willReturn(Set.of("small"));
	}

	static GatewayApiProperties api() {
		return new GatewayApiProperties(Map.of("small", new GatewayApiProperties.ModelLimits(65536, 30, 2)),
				new GatewayApiProperties.Auth(List.of(), null, Duration.ofSeconds(5)), new GatewayApiProperties.Limits(10, 20, 100, 0, Duration.ofMillis(250)),
				new GatewayApiProperties.Requests(DataSize.ofKilobytes(64), DataSize.ofKilobytes(4),
						Duration.ofDays(7), Duration.ofHours(24)),
				new GatewayApiProperties.Estimates(Duration.ofSeconds(90)),
				new GatewayApiProperties.Events(Duration.ofMinutes(30), Duration.ofSeconds(15)),
				new GatewayApiProperties.Sends(false, Duration.ofMillis(5), 10, Duration.ofSeconds(10)),
				new GatewayApiProperties.Workers(Duration.ZERO));
	}

	@Test
	void appliesTheModelsLimitsAndNamesEachField() {
		ApiProblemException ex = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, request(512, 512, 40, 3, null), "bad key with spaces"));
		assertThat(ex.errors()).extracting(ApiProblemException.FieldProblem::field)
			.containsExactlyInAnyOrder("Idempotency-Key", "width", "steps", "numImages");
		verify(this.repository, never()).create(any(), any(), any(), any(), any(), org.mockito.ArgumentMatchers.anyInt());
	}

	@Test
	void refusesASizeTheModelsWorkersDoNotRenderNamingTheSizesTheyDo() {
		given(this.models.sizes("small")).willReturn(List.of(new ImageSize(64, 64), new ImageSize(128, 64)));
		ApiProblemException ex = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, request(128, 128, 20, 1, null), null));
		assertThat(ex.status().value()).isEqualTo(400);
		assertThat(ex.errors()).singleElement().satisfies((error) -> {
			assertThat(error.field()).isEqualTo("width");
			assertThat(error.message()).isEqualTo(
					"width × height 128x128 is not a size model small renders; its sizes: 64x64, 128x64");
		});
		verify(this.repository, never()).create(any(), any(), any(), any(), any(), org.mockito.ArgumentMatchers.anyInt());
		verify(this.publisher, never()).publish(any(), any(), any());
	}

	@Test
	void acceptsAnySizeWithinTheModelsPixelsWhileItsSizesAreUnknown() {
		// no live worker has announced the model: the catalog knows no sizes, and only the pixel limit applies
		given(this.models.sizes("small")).willReturn(List.of());
		given(this.repository.create(any(), any(), any(), any(), any(), org.mockito.ArgumentMatchers.anyInt()))
			.willReturn(new JobRepository.Created(JobRepository.Outcome.CREATED, "ignored", 0));
		assertThat(this.service.submit(CALLER, request(128, 128, 20, 1, null), null).job().width()).isEqualTo(128);
		verify(this.publisher).publish(any(), any(), any());
	}

	@Test
	void refusesASchedulerTheModelsWorkersDoNotAnnounceNamingThoseTheyDo() {
		given(this.models.schedulers("small")).willReturn(Optional.of(List.of("ddim", "euler", "dpm++2m")));
		ApiProblemException ex = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, withScheduler("lcm"), null));
		assertThat(ex.status().value()).isEqualTo(400);
		assertThat(ex.errors()).singleElement().satisfies((error) -> {
			assertThat(error.field()).isEqualTo("scheduler");
			assertThat(error.message())
				.isEqualTo("is not a scheduler model small renders with; its schedulers: ddim, euler, dpm++2m");
		});
		verify(this.publisher, never()).publish(any(), any(), any());
	}

	@Test
	void imageToImageJobCarriesItsInputAndDiffusersDefaultStrength() {
		given(this.models.imageToImage("small")).willReturn(true);
		given(this.inputs.find("acme", INPUT)).willReturn(Optional.of(new InputImage(INPUT, 128, 64)));
		given(this.repository.create(any(), any(), any(), any(), any(), org.mockito.ArgumentMatchers.anyInt()))
			.willReturn(new JobRepository.Created(JobRepository.Outcome.CREATED, "ignored", 0));
		this.service.submit(CALLER, imageToImage(128, 64, INPUT, null), null);
		org.mockito.ArgumentCaptor<JobMessage> sent = org.mockito.ArgumentCaptor.forClass(JobMessage.class);
		verify(this.publisher).publish(sent.capture(), any(), any());
		assertThat(sent.getValue().schemaVersion()).isEqualTo(2);
		assertThat(sent.getValue().initImage()).isEqualTo(INPUT);
		// StableDiffusionImg2ImgPipeline.__call__(strength=0.8), diffusers
		assertThat(sent.getValue().strength()).isEqualTo(0.8);
	}

	@Test
	void anotherTenantsInputTheWrongSizeOrAModelWithoutImg2imgAreRefusedAndNothingIsEnqueued() {
		given(this.models.imageToImage("small")).willReturn(true);
		given(this.inputs.find("acme", INPUT)).willReturn(Optional.of(new InputImage(INPUT, 128, 64)));
		given(this.inputs.find("acme", "019a7b2c-3d4e-7f01-8a2b-000000000002")).willReturn(Optional.empty());
		ApiProblemException foreign = catchThrowableOfType(ApiProblemException.class, () -> this.service
			.submit(CALLER, imageToImage(128, 64, "019a7b2c-3d4e-7f01-8a2b-000000000002", 0.5), null));
		assertThat(foreign.status().value()).isEqualTo(400);
		assertThat(foreign.errors()).singleElement()
			.satisfies((error) -> assertThat(error.message()).startsWith("is not an input of this tenant"));
		ApiProblemException size = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, imageToImage(64, 64, INPUT, 0.5), null));
		assertThat(size.errors()).singleElement()
			.satisfies((error) -> assertThat(error.message()).isEqualTo(
					"is 128x64; the job is 64x64 and must be the same size"));
		given(this.models.imageToImage("small")).willReturn(false);
		ApiProblemException model = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, imageToImage(128, 64, INPUT, 0.5), null));
		assertThat(model.errors()).singleElement()
			.satisfies((error) -> assertThat(error.message()).contains("does not render from an init image"));
		ApiProblemException strengthAlone = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, imageToImage(128, 64, null, 0.5), null));
		assertThat(strengthAlone.errors()).extracting(ApiProblemException.FieldProblem::field).containsExactly("strength");
		verify(this.repository, never()).create(any(), any(), any(), any(), any(), org.mockito.ArgumentMatchers.anyInt());
		verify(this.publisher, never()).publish(any(), any(), any());
	}

	@Test
	void aModelWithoutAChoiceOfSchedulerRefusesAnyNamedOne() {
		// the built-in model announces no schedulers
		given(this.models.schedulers("small")).willReturn(Optional.of(List.of()));
		ApiProblemException ex = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, withScheduler("ddim"), null));
		assertThat(ex.errors()).singleElement()
			.satisfies((error) -> assertThat(error.message()).contains("has no choice of scheduler"));
	}

	@Test
	void whileTheModelsSchedulersAreUnknownOnlyKilnsSchedulersAreAccepted() {
		given(this.repository.create(any(), any(), any(), any(), any(), org.mockito.ArgumentMatchers.anyInt()))
			.willReturn(new JobRepository.Created(JobRepository.Outcome.CREATED, "ignored", 0));
		ApiProblemException ex = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, withScheduler("lms"), null));
		assertThat(ex.errors()).singleElement().satisfies((error) -> assertThat(error.message())
			.isEqualTo("is not a known scheduler; known: pndm, ddim, euler-ancestral, euler, dpm++2m, dpm++2m-karras, lcm"));
		assertThat(this.service.submit(CALLER, withScheduler("dpm++2m-karras"), null).job().scheduler())
			.isEqualTo("dpm++2m-karras");
		org.mockito.ArgumentCaptor<dev.kiln.contract.JobMessage> sent = org.mockito.ArgumentCaptor.captor();
		verify(this.publisher).publish(sent.capture(), any(), any());
		assertThat(sent.getValue().scheduler()).isEqualTo("dpm++2m-karras");
	}

	@Test
	void aSubmissionIsOneTraceWhoseEnqueueContextIsRecordedWithTheJobAndSentWithItsMessage() {
		given(this.models.sizes("small")).willReturn(List.of());
		org.mockito.ArgumentCaptor<Map<String, String>> fields = org.mockito.ArgumentCaptor.captor();
		given(this.repository.create(any(), any(), fields.capture(), any(), any(),
				org.mockito.ArgumentMatchers.anyInt()))
			.willReturn(new JobRepository.Created(JobRepository.Outcome.CREATED, "ignored", 0));

		JobView job = this.service.submit(CALLER, request(64, 64, 20, 1, null), null).job();

		io.opentelemetry.sdk.trace.data.SpanData submit = this.tracing.span("kiln.job.submit");
		io.opentelemetry.sdk.trace.data.SpanData enqueue = this.tracing.span("kiln.job.enqueue");
		assertThat(enqueue.getParentSpanId()).isEqualTo(submit.getSpanId());
		assertThat(enqueue.getTraceId()).isEqualTo(submit.getTraceId());
		for (io.opentelemetry.sdk.trace.data.SpanData span : List.of(submit, enqueue)) {
			assertThat(span.getAttributes().get(AttributeKey.stringKey("kiln.job.id"))).isEqualTo(job.id());
			assertThat(span.getAttributes().get(AttributeKey.stringKey("kiln.tenant"))).isEqualTo("acme");
			assertThat(span.getAttributes().get(AttributeKey.stringKey("kiln.lane"))).isEqualTo("standard");
			assertThat(span.getAttributes().get(AttributeKey.stringKey("kiln.model"))).isEqualTo("small");
		}
		// W3C trace context: version 00, the trace id, the enqueue span's id, its flags (sampled, and with W3C level 2
		// the random trace id flag: 03)
		String traceparent = "00-" + enqueue.getTraceId() + "-" + enqueue.getSpanId() + "-"
				+ enqueue.getSpanContext().getTraceFlags().asHex();
		assertThat(enqueue.getSpanContext().isSampled()).isTrue();
		assertThat(fields.getValue()).containsEntry(JobFields.TRACEPARENT, traceparent)
			.containsEntry(JobFields.TRACE_ID, enqueue.getTraceId());
		org.mockito.ArgumentCaptor<Map<String, String>> context = org.mockito.ArgumentCaptor.captor();
		verify(this.publisher).publish(any(), any(), context.capture());
		assertThat(context.getValue()).isEqualTo(Map.of("traceparent", traceparent));
		assertThat(job.traceId()).isEqualTo(enqueue.getTraceId());
	}

	@Test
	void withoutTracingNothingIsRecordedOrSentForIt() {
		this.service = JobFixtures.submissions(this.repository, this.publisher, mock(), this.links, this.models,
				this.inputs, Clock.fixed(NOW, ZoneOffset.UTC), api(), TestTracing.none());
		given(this.models.sizes("small")).willReturn(List.of());
		org.mockito.ArgumentCaptor<Map<String, String>> fields = org.mockito.ArgumentCaptor.captor();
		given(this.repository.create(any(), any(), fields.capture(), any(), any(),
				org.mockito.ArgumentMatchers.anyInt()))
			.willReturn(new JobRepository.Created(JobRepository.Outcome.CREATED, "ignored", 0));

		JobView job = this.service.submit(CALLER, request(64, 64, 20, 1, null), null).job();

		assertThat(fields.getValue()).doesNotContainKeys(JobFields.TRACEPARENT, JobFields.TRACE_ID);
		verify(this.publisher).publish(any(), any(), org.mockito.ArgumentMatchers.eq(Map.of()));
		assertThat(job.traceId()).isNull();
	}

	private static SubmitJobRequest withScheduler(String scheduler) {
		return new SubmitJobRequest("fox", null, null, 64, 64, null, null, null, null, null, null, null, null, null,
				scheduler, null, null, null);
	}

	@Test
	void refusesADeadlineMoreThanSevenDaysAhead() {
		SubmitJobRequest request = new SubmitJobRequest("fox", null, null, 64, 64, null, null, null, null, null,
				OffsetDateTime.ofInstant(NOW.plus(Duration.ofDays(8)), ZoneOffset.UTC), null, null, null, null, null,
				null, null);
		ApiProblemException ex = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, request, null));
		assertThat(ex.errors()).extracting(ApiProblemException.FieldProblem::field).containsExactly("deadline");
	}

	@Test
	void clipSkipIsCheckedAgainstWhatLiveWorkersAnnounceAndOnlyThenWrittenAsVersionTwo() {
		given(this.repository.create(any(), any(), any(), any(), any(), org.mockito.ArgumentMatchers.anyInt()))
			.willReturn(new JobRepository.Created(JobRepository.Outcome.CREATED, "ignored", 0));
		ApiProblemException none = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, withClipSkip(1), null));
		assertThat(none.errors()).singleElement().satisfies((error) -> {
			assertThat(error.field()).isEqualTo("clipSkip");
			assertThat(error.message()).contains("does not support clip skip");
		});
		given(this.models.maxClipSkip("small")).willReturn(2);
		ApiProblemException tooMany = catchThrowableOfType(ApiProblemException.class,
				() -> this.service.submit(CALLER, withClipSkip(3), null));
		assertThat(tooMany.errors()).singleElement()
			.satisfies((error) -> assertThat(error.message()).isEqualTo("must be at most 2 for model small"));
		verify(this.publisher, never()).publish(any(), any(), any());
		this.service.submit(CALLER, withClipSkip(2), null);
		this.service.submit(CALLER, withClipSkip(null), null);
		org.mockito.ArgumentCaptor<JobMessage> sent = org.mockito.ArgumentCaptor.forClass(JobMessage.class);
		verify(this.publisher, org.mockito.Mockito.times(2)).publish(sent.capture(), any(), any());
		assertThat(sent.getAllValues()).extracting(JobMessage::clipSkip).containsExactly(2, null);
		// a job without version 2 fields stays version 1, which workers of the previous release still take
		assertThat(sent.getAllValues()).extracting(JobMessage::schemaVersion).containsExactly(2, 1);
	}

	private static SubmitJobRequest withClipSkip(Integer clipSkip) {
		return new SubmitJobRequest("fox", null, null, 64, 64, null, null, null, null, null, null, null, null, null,
				null, null, null, clipSkip);
	}

	private static final String INPUT = "019a7b2c-3d4e-7f01-8a2b-000000000001";

	private static SubmitJobRequest imageToImage(int width, int height, String initImage, Double strength) {
		return new SubmitJobRequest("fox", null, null, width, height, null, null, null, null, null, null, null, null,
				null, null, initImage, strength, null);
	}

	private static SubmitJobRequest request(int width, int height, Integer steps, Integer numImages, String callback) {
		return new SubmitJobRequest("fox", null, null, width, height, steps, null, null, numImages, null, null, callback,
				null, null, null, null, null, null);
	}

}
