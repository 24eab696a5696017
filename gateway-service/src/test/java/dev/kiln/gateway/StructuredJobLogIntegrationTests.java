package dev.kiln.gateway;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.logging.LoggingSystemProperty;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code logging.structured.format.console=ecs} (what the chart sets) a gateway line about a job is one JSON
 * object carrying the job's {@code jobId} and, from the {@code kiln.job.submit} span in scope, its {@code traceId}.
 * The line: a job SQS refuses (its queues do not exist here) is withdrawn with a warning.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=no-such-queues", "kiln.gateway.auth.anonymous-tenant=default",
				"logging.structured.format.console=ecs" })
@AutoConfigureTracing
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class StructuredJobLogIntegrationTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	/**
	 * Boot initializes logging once per JVM while any context lives (a cached one of another test class, say): reset
	 * it so that this context's structured format applies.
	 */
	@BeforeAll
	static void resetLogging() {
		LoggingSystem.get(StructuredJobLogIntegrationTests.class.getClassLoader()).cleanUp();
	}

	@AfterAll
	static void plainLogsAgain() {
		// cleanUp alone leaves the JSON layout in place for every later test class of this JVM
		LoggingSystem logging = LoggingSystem.get(StructuredJobLogIntegrationTests.class.getClassLoader());
		logging.cleanUp();
		// Boot hands the format to Logback as a system property, which outlives the context that set it
		System.clearProperty(LoggingSystemProperty.CONSOLE_STRUCTURED_FORMAT.getEnvironmentVariableName());
		logging.beforeInitialize();
		logging.initialize(new LoggingInitializationContext(new MockEnvironment()), null, null);
	}

	@LocalServerPort
	private int port;

	@Test
	void aLineAboutAJobCarriesItsJobIdAndTraceId(CapturedOutput output) {
		int status = TestClients.rest("http://localhost:" + this.port)
			.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"prompt": "a logged fox", "width": 64, "height": 64}""")
			.exchange((request, response) -> response.getStatusCode().value());
		assertThat(status).isEqualTo(503);

		List<JsonNode> withdrawn = output.getOut()
			.lines()
			.filter((line) -> line.startsWith("{") && line.contains("withdrawing it"))
			.map(JSON::readTree)
			.toList();
		assertThat(withdrawn).singleElement().satisfies((line) -> {
			assertThat(line.path("log").path("level").asString()).isEqualTo("WARN");
			assertThat(line.path("message").asString()).contains(line.path("jobId").asString());
			assertThat(line.path("jobId").asString()).isNotEmpty();
			assertThat(line.path("tenant").asString()).isEqualTo("default");
			assertThat(line.path("traceId").asString()).matches("[0-9a-f]{32}");
			assertThat(line.path("spanId").asString()).matches("[0-9a-f]{16}");
		});
	}

}
