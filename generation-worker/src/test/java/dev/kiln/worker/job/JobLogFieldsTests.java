package dev.kiln.worker.job;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.logging.LoggingSystemProperty;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.drain.DrainSignal;
import dev.kiln.worker.model.ModelRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * With {@code logging.structured.format.console=ecs} (what the chart sets) the worker logs one JSON object a line,
 * and a line about a job carries its id, tenant and lane as fields, and the id of its trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class JobLogFieldsTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());

	private final TestTracing tracing = TestTracing.create();

	@BeforeEach
	void structuredLogs() {
		initialize(new MockEnvironment().withProperty("logging.structured.format.console", "ecs")
			.withProperty("spring.application.name", "generation-worker"));
	}

	@AfterEach
	void plainLogsAgain() {
		initialize(new MockEnvironment());
		this.tracing.close();
	}

	private void initialize(MockEnvironment environment) {
		this.logging.cleanUp();
		// Boot hands the format to Logback as a system property, which outlives the environment that set it
		System.clearProperty(LoggingSystemProperty.CONSOLE_STRUCTURED_FORMAT.getEnvironmentVariableName());
		this.logging.beforeInitialize();
		this.logging.initialize(new LoggingInitializationContext(environment), null, null);
	}

	@Test
	void aLineAboutAJobIsJsonWithItsIdTenantLaneAndTraceId(CapturedOutput output) {
		JobMessage job = new JobMessage(1, JobIds.next(), "acme", "no-such-model", "a kiln", null, 64, 64, 10, 7.5,
				1L, 1, Lane.INTERACTIVE, Instant.now(), null);
		// W3C trace context example (https://www.w3.org/TR/trace-context/#examples-of-http-traceparent-headers)
		String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
		MessageTrace trace = new MessageTrace(Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"),
				Instant.now().minusSeconds(1), Instant.now());

		processor().process(List.of(new HeldMessage(Lane.INTERACTIVE, "queue", "m-1", "r-1", System.nanoTime(), 1,
				"{}", job, trace)));

		List<JsonNode> lines = new ArrayList<>();
		for (String line : output.getOut().lines().filter((line) -> !line.isBlank()).toList()) {
			lines.add(JSON.readTree(line));
		}
		JsonNode failed = lines.stream()
			.filter((line) -> line.path("message").asString().contains("failed for good"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No line about the failed job in:\n" + output.getOut()));
		assertThat(failed.path("jobId").asString()).isEqualTo(job.jobId());
		assertThat(failed.path("tenant").asString()).isEqualTo("acme");
		assertThat(failed.path("lane").asString()).isEqualTo("interactive");
		assertThat(failed.path("traceId").asString()).as("the trace the job's message carried").isEqualTo(traceId);
		assertThat(failed.path("spanId").asString()).hasSize(16).isNotEqualTo("00f067aa0ba902b7");
		assertThat(failed.path("log").path("level").asString()).isEqualTo("WARN");
	}

	@Test
	void aLineAboutAJobWhoseMessageCarriedNoTraceHasTheIdOfTheTraceTheWorkerStarted(CapturedOutput output) {
		JobMessage job = new JobMessage(1, JobIds.next(), "acme", "no-such-model", "a kiln", null, 64, 64, 10, 7.5,
				1L, 1, Lane.STANDARD, Instant.now(), null);

		processor().process(List.of(new HeldMessage(Lane.STANDARD, "queue", "m-2", "r-2", System.nanoTime(), 1, "{}",
				job)));

		JsonNode failed = output.getOut()
			.lines()
			.filter((line) -> !line.isBlank())
			.map(JSON::readTree)
			.filter((line) -> line.path("message").asString().contains("failed for good"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No line about the failed job in:\n" + output.getOut()));
		assertThat(failed.path("jobId").asString()).isEqualTo(job.jobId());
		assertThat(failed.path("traceId").asString()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
	}

	private JobProcessor processor() {
		ModelRegistry registry = mock();
		given(registry.find(any())).willReturn(Optional.empty());
		given(registry.ids()).willReturn(List.of("sd15"));
		JobRecords records = mock();
		given(records.claim(any(), any(), any())).willReturn(new JobRecords.Claim(JobRecords.Standing.OPEN, null));
		WorkerProperties properties = new Binder(new MapConfigurationPropertySource(Map.of("kiln.worker.id", "w1",
				"kiln.worker.model-cache", "/tmp/kiln-models", "kiln.worker.models.sd15.type", "sd-torchscript",
				"kiln.worker.models.sd15.location", "file:/models/sd15")))
			.bind("kiln.worker", WorkerProperties.class)
			.get();
		Clock clock = Clock.systemUTC();
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		Holdings holdings = new Holdings(mock(JobQueues.class), records, new WorkerActivity(clock, meters),
				properties);
		return new JobProcessor(registry, mock(InputImages.class), holdings, mock(OutputStore.class),
				new WorkerEvents(mock(EventPublisher.class), clock, properties), this.tracing.jobSpans(),
				new DrainState(new DrainSignal(), properties), meters, properties,
				new JobPolicies().retryBackoff(properties));
	}

}
