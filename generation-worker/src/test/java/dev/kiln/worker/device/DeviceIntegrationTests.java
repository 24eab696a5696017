package dev.kiln.worker.device;

import java.util.List;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.convention.TestBean;
import org.springframework.web.client.RestClient;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.worker.GenerationWorkerApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A worker on a node that gave it an NVIDIA GPU, with this build's CPU-only libtorch: with {@code device=auto} it
 * starts, renders on the CPU and says so in {@code /actuator/health} and {@code /actuator/prometheus}; with
 * {@code device=gpu} it does not start. The GPU memory gauges reach {@code /actuator/prometheus} (through a stand-in
 * for DJL's CUDA utilities: this machine has no CUDA device).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=devtest", "kiln.storage.bucket=devtest-images", "kiln.worker.id=worker-dev",
				"kiln.worker.model-cache=target/test-models", "kiln.worker.models.kiln-builtin.max-pixels=65536" })
@AutoConfigureMetrics
class DeviceIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("devtest");

	@TestBean
	private NvidiaDevices nvidiaDevices;

	@TestBean
	private GpuMemory gpuMemory;

	@LocalServerPort
	private int port;

	static NvidiaDevices nvidiaDevices() {
		return () -> List.of("/dev/nvidia0", "NVIDIA_VISIBLE_DEVICES=GPU-3c0a");
	}

	/** Stands in for DJL's CUDA utilities, which see no device on a machine without one. */
	static GpuMemory gpuMemory() {
		return new GpuMemory() {

			@Override
			public int gpuCount() {
				return 1;
			}

			@Override
			public Usage usage(int device) {
				return new Usage(3_221_225_472L, 24_146_608_128L);
			}

		};
	}

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
		createQueues();
	}

	@Test
	void aGpuNodeWithCpuLibtorchReportsTheMismatchInHealthAndMetrics() {
		assumeThat(Engine.getEngine("PyTorch").getGpuCount()).as("this build's libtorch is CPU-only").isZero();
		RestClient client = RestClient.create("http://localhost:" + this.port);

		ResponseEntity<String> health = client.get()
			.uri("/actuator/health")
			.retrieve()
			.onStatus((status) -> true, (request, response) -> {
			})
			.toEntity(String.class);
		JsonNode device = JsonMapper.shared().readTree(health.getBody()).path("components").path("device");
		String prometheus = client.get().uri("/actuator/prometheus").retrieve().body(String.class);
		ResponseEntity<String> readiness = client.get()
			.uri("/actuator/health/readiness")
			.retrieve()
			.onStatus((status) -> true, (request, response) -> {
			})
			.toEntity(String.class);

		assertThat(health.getStatusCode().value()).isEqualTo(503);
		assertThat(device.path("status").asString()).isEqualTo("DOWN");
		assertThat(device.path("details").path("type").asString()).isEqualTo("cpu");
		assertThat(device.path("details").path("error").asString()).contains("/dev/nvidia0")
			.contains("kiln-builtin")
			.contains("render on the CPU");
		assertThat(prometheus).containsPattern("kiln_worker_device\\{[^}]*mismatch=\"true\"[^}]*nvidia=\"true\"[^}]*"
				+ "type=\"cpu\"[^}]*\\} 1\\.0");
		assertThat(readiness.getStatusCode().value()).as("the pod stays Ready: scraped, not restarted").isEqualTo(200);
	}

	@Test
	void gpuMemoryGaugesAreScrapedPerDevice() {
		String prometheus = RestClient.create("http://localhost:" + this.port)
			.get()
			.uri("/actuator/prometheus")
			.retrieve()
			.body(String.class);

		assertThat(prometheus).containsPattern("kiln_worker_gpu_memory_used_bytes\\{[^}]*device=\"gpu\\(0\\)\"[^}]*\\} "
				+ "3\\.221225472E9")
			.containsPattern("kiln_worker_gpu_memory_total_bytes\\{[^}]*device=\"gpu\\(0\\)\"[^}]*\\} "
					+ "2\\.4146608128E10")
			.doesNotContain("device=\"gpu(1)\"");
	}

	@Test
	void deviceGpuWithoutAGpuFailsStartUpNamingTheModel() {
		assumeThat(Engine.getEngine("PyTorch").getGpuCount()).as("this build's libtorch is CPU-only").isZero();
		List<String> args = new java.util.ArrayList<>();
		SharedEmbeddedStack.get().serviceProperties().forEach((name, value) -> args.add("--" + name + "=" + value));
		args.addAll(List.of("--server.port=0", "--kiln.queues.prefix=devtest", "--kiln.worker.id=worker-dev-gpu",
				"--kiln.worker.model-cache=target/test-models", "--kiln.worker.device=gpu"));

		assertThatThrownBy(() -> new SpringApplicationBuilder(GenerationWorkerApplication.class)
			.run(args.toArray(String[]::new))
			.close()).hasStackTraceContaining("Could not load model 'kiln-builtin'")
			.rootCause()
			.hasMessageContaining("Device 'gpu' was requested but the PyTorch engine sees no GPU");
	}

	private static void createQueues() {
		try (SqsClient sqs = SqsClient.builder()
			.endpointOverride(SharedEmbeddedStack.get().sqs().endpoint())
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k")))
			.build()) {
			for (Lane lane : Lane.values()) {
				sqs.createQueue((b) -> b.queueName(QUEUES.jobs(lane)));
			}
			sqs.createQueue((b) -> b.queueName(QUEUES.events()));
		}
	}

}
