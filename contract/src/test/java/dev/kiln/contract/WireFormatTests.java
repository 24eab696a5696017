package dev.kiln.contract;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Pins the JSON wire format of the shared records to golden samples. A failing test here means a change would break
 * services running the previous version: bump the schema version and keep reading the old one instead.
 */
class WireFormatTests {

	private static final String JOB_ID = "019a7b2c-3d4e-7f01-8a2b-3c4d5e6f7a8b";

	// The same defaults Spring Boot's Jackson 3 auto-configuration uses: ISO-8601 instants, unknown fields ignored.
	private final JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	@Test
	void jobMessageWritesTheGoldenSample() throws IOException {
		JobMessage message = sampleMessage();
		assertThat(this.mapper.readTree(this.mapper.writeValueAsString(message))).isEqualTo(golden("job-message-v2.json"));
	}

	@Test
	void jobMessageReadsTheGoldenSample() throws IOException {
		JobMessage read = this.mapper.readValue(goldenText("job-message-v2.json"), JobMessage.class);
		assertThat(read).isEqualTo(sampleMessage());
	}

	@Test
	void jobMessageWrittenBeforeTheSchedulerFieldReadsWithTheModelsDefault() throws IOException {
		String older = goldenText("job-message-v1.json").replace(",\n  \"scheduler\" : \"dpm++2m\"", "");
		assertThat(older).doesNotContain("scheduler");
		JobMessage read = this.mapper.readValue(older, JobMessage.class);
		assertThat(read.scheduler()).isNull();
		assertThat(read).isEqualTo(new JobMessage(1, JOB_ID, "acme", "kiln-builtin",
				"a lighthouse at dusk, oil painting", "blurry", 512, 384, 20, 7.5, 1234567890123L, 2, Lane.INTERACTIVE,
				Instant.parse("2026-11-23T10:15:30.123Z"), Instant.parse("2026-11-23T12:00:00Z")));
	}

	@Test
	void textToImageJobMessagesAreWrittenAsVersionOne() throws IOException {
		assertThat(this.mapper.readTree(this.mapper.writeValueAsString(sampleMessageV1())))
			.isEqualTo(golden("job-message-v1.json"));
		assertThat(JobMessage.versionFor(null, null)).isEqualTo(1);
		assertThat(JobMessage.versionFor("019a7b2c-0000-7000-8000-00000000abcd", null)).isEqualTo(2);
		assertThat(JobMessage.versionFor(null, 1)).isEqualTo(2);
	}

	@Test
	void versionOneJobMessagesStillReadAsTextToImage() throws IOException {
		JobMessage read = this.mapper.readValue(goldenText("job-message-v1.json"), JobMessage.class);
		assertThat(read).isEqualTo(sampleMessageV1());
		assertThat(read.initImage()).isNull();
		assertThat(read.strength()).isNull();
	}

	@Test
	void initImageAndStrengthComeTogetherWithinZeroToOne() throws IOException {
		String text = goldenText("job-message-v2.json");
		assertThatIllegalArgumentExceptionCause(
				() -> this.mapper.readValue(text.replace(",\n  \"strength\" : 0.6", ""), JobMessage.class),
				"initImage and strength come together");
		assertThatIllegalArgumentExceptionCause(
				() -> this.mapper.readValue(text.replace("\"strength\" : 0.6", "\"strength\" : 1.5"), JobMessage.class),
				"strength must be 0 to 1");
	}

	@Test
	void versionTwoFieldsNeedVersionTwoAndAPositiveClipSkip() throws IOException {
		String text = goldenText("job-message-v2.json");
		assertThatIllegalArgumentExceptionCause(
				() -> this.mapper.readValue(text.replace("\"schemaVersion\" : 2", "\"schemaVersion\" : 1"),
						JobMessage.class),
				"need schemaVersion 2");
		assertThatIllegalArgumentExceptionCause(
				() -> this.mapper.readValue(text.replace("\"clipSkip\" : 1", "\"clipSkip\" : 0"), JobMessage.class),
				"clipSkip must be at least 1");
	}

	@Test
	void jobEventWritesTheGoldenSample() throws IOException {
		assertThat(this.mapper.readTree(this.mapper.writeValueAsString(sampleEvent()))).isEqualTo(golden("job-event-v1.json"));
	}

	@Test
	void jobEventReadsTheGoldenSample() throws IOException {
		assertThat(this.mapper.readValue(goldenText("job-event-v1.json"), JobEvent.class)).isEqualTo(sampleEvent());
	}

	@Test
	void readersIgnoreFieldsAddedByLaterMinorChanges() throws IOException {
		String withExtra = goldenText("job-event-v1.json").replace("\"attempt\"", "\"futureField\" : 42, \"attempt\"");
		assertThat(this.mapper.readValue(withExtra, JobEvent.class)).isEqualTo(sampleEvent());
	}

	@Test
	void eventsWrittenBeforeRenderSecondsExistedStillRead() throws IOException {
		String older = goldenText("job-event-v1.json").replace(",\n  \"renderSeconds\" : 1.25", "");
		assertThat(older).doesNotContain("renderSeconds");
		assertThat(this.mapper.readValue(older, JobEvent.class).renderSeconds()).isNull();
	}

	@Test
	void readersRefuseANewerSchemaVersion() throws IOException {
		String newer = goldenText("job-message-v2.json").replace("\"schemaVersion\" : 2", "\"schemaVersion\" : 3");
		assertThatIllegalArgumentExceptionCause(() -> this.mapper.readValue(newer, JobMessage.class));
	}

	@Test
	void workerHeartbeatWritesTheGoldenSample() throws IOException {
		assertThat(this.mapper.readTree(this.mapper.writeValueAsString(sampleHeartbeat())))
			.isEqualTo(golden("worker-heartbeat-v1.json"));
	}

	@Test
	void workerHeartbeatReadsTheGoldenSample() throws IOException {
		assertThat(this.mapper.readValue(goldenText("worker-heartbeat-v1.json"), WorkerHeartbeat.class))
			.isEqualTo(sampleHeartbeat());
	}

	@Test
	void heartbeatsWrittenBeforeModelManifestsStillRead() throws IOException {
		// a version 1 heartbeat of a worker that did not announce family, sizes and schedulers yet
		String older = """
				{"schemaVersion": 1, "workerId": "worker-a", "models": [{"id": "sd15", "type": "sd-torchscript",
				 "maxPixels": 393216, "maxSteps": 150, "maxBatch": 4}], "device": "gpu(0)", "busy": false,
				 "jobId": null, "startedAt": "2026-11-23T10:00:00Z", "beatAt": "2026-11-23T10:15:42.500Z"}
				""";
		ModelInfo model = this.mapper.readValue(older, WorkerHeartbeat.class).models().get(0);
		assertThat(model).isEqualTo(new ModelInfo("sd15", "sd-torchscript", 393216, 150, 4));
		assertThat(model.family()).isNull();
		assertThat(model.sizes()).isEmpty();
		assertThat(model.schedulers()).isEmpty();
		assertThat(model.description()).isNull();
		assertThat(model.imageToImage()).isEqualTo(Boolean.FALSE);
		assertThat(model.maxClipSkip()).isZero();
	}

	@Test
	void aModelFieldAddedLaterIsIgnoredEvenByAReaderThatFailsOnUnknownFields() throws IOException {
		// the gateway reads heartbeats with spring.jackson.deserialization.fail-on-unknown-properties=true
		JsonMapper strict = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
		String newer = """
				{"schemaVersion": 1, "workerId": "worker-a", "models": [{"id": "sd15", "type": "sd-torchscript",
				 "maxPixels": 393216, "maxSteps": 150, "maxBatch": 4, "licence": "creativeml-openrail-m"}],
				 "device": "gpu(0)", "busy": false, "jobId": null, "startedAt": "2026-11-23T10:00:00Z",
				 "beatAt": "2026-11-23T10:15:42.500Z"}
				""";
		assertThat(strict.readValue(newer, WorkerHeartbeat.class).models())
			.containsExactly(new ModelInfo("sd15", "sd-torchscript", 393216, 150, 4));
	}

	@Test
	void laneUsesLowerCaseWireNames() {
		assertThat(Lane.fromWireName("Batch")).isEqualTo(Lane.BATCH);
		assertThat(Lane.INTERACTIVE.wireName()).isEqualTo("interactive");
		assertThatIllegalArgumentException().isThrownBy(() -> Lane.fromWireName("urgent"))
			.withMessageContaining("interactive, standard, batch");
	}

	private static void assertThatIllegalArgumentExceptionCause(ThrowingCall call) {
		assertThatIllegalArgumentExceptionCause(call, "schemaVersion 3");
	}

	private static void assertThatIllegalArgumentExceptionCause(ThrowingCall call, String message) {
		try {
			call.run();
		}
		catch (Exception ex) {
			Throwable root = ex;
			while (root.getCause() != null) {
				root = root.getCause();
			}
			assertThat(root).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
			return;
		}
		throw new AssertionError("expected the message to be refused: " + message);
	}

	@FunctionalInterface
	private interface ThrowingCall {

		void run() throws Exception;

	}

	static JobMessage sampleMessage() {
		return new JobMessage(2, JOB_ID, "acme", "kiln-builtin", "a lighthouse at dusk, oil painting", "blurry", 512,
				384, 20, 7.5, 1234567890123L, 2, Lane.INTERACTIVE, Instant.parse("2026-11-23T10:15:30.123Z"),
				Instant.parse("2026-11-23T12:00:00Z"), "dpm++2m", "019a7b2c-0000-7000-8000-00000000abcd", 0.6, 1);
	}

	static JobMessage sampleMessageV1() {
		return new JobMessage(1, JOB_ID, "acme", "kiln-builtin", "a lighthouse at dusk, oil painting", "blurry", 512,
				384, 20, 7.5, 1234567890123L, 2, Lane.INTERACTIVE, Instant.parse("2026-11-23T10:15:30.123Z"),
				Instant.parse("2026-11-23T12:00:00Z"), "dpm++2m");
	}

	static JobEvent sampleEvent() {
		return JobEvent.succeeded(JOB_ID, 20,
				List.of(ObjectKeys.image("acme", JOB_ID, 0), ObjectKeys.metadata("acme", JOB_ID)), 1, "worker-a",
				Instant.parse("2026-11-23T10:15:42.500Z"), 1.25);
	}

	static WorkerHeartbeat sampleHeartbeat() {
		ModelInfo sd = new ModelInfo("sd15", "sd-torchscript", 393216, 150, 4, "sd1",
				List.of(new ImageSize(512, 512), new ImageSize(768, 512)), "pndm",
				List.of("pndm", "ddim", "euler-ancestral"), "Stable Diffusion (sd1)", true, 11);
		ModelInfo builtin = new ModelInfo("kiln-builtin", "builtin", 1048576, 150, 8, null, List.of(), null, List.of(),
				"abstract patterns");
		return new WorkerHeartbeat(1, "worker-a", List.of(sd, builtin), "gpu(0)", true, JOB_ID,
				Instant.parse("2026-11-23T10:00:00Z"), Instant.parse("2026-11-23T10:15:42.500Z"));
	}

	private JsonNode golden(String name) throws IOException {
		return this.mapper.readTree(goldenText(name));
	}

	private static String goldenText(String name) throws IOException {
		try (InputStream in = WireFormatTests.class.getResourceAsStream("/golden/" + name)) {
			assertThat(in).as("golden sample %s", name).isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
