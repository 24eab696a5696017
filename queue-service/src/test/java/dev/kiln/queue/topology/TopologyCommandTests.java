package dev.kiln.queue.topology;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import dev.kiln.contract.QueueNames;
import dev.kiln.queue.QueueServiceProperties;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code topology --format=helm-values} prints what provisioning would create, as YAML, and nothing else. */
class TopologyCommandTests {

	private final ByteArrayOutputStream out = new ByteArrayOutputStream();

	private final ByteArrayOutputStream err = new ByteArrayOutputStream();

	@Test
	@SuppressWarnings("unchecked")
	void printsQueuesDeadLetterQueuesRedriveVisibilityAndBucketAsHelmValues() {
		int status = run("--format=helm-values", "--kiln.queues.prefix=acme", "--kiln.queues.max-receive-count=5",
				"--kiln.queues.visibility-timeout=90s", "--kiln.storage.bucket=acme-images", "--kiln.retention=36h");
		assertThat(status).isZero();
		Map<String, Object> values = new Yaml().load(this.out.toString(StandardCharsets.UTF_8));
		Map<String, Object> queues = (Map<String, Object>) values.get("queues");
		assertThat(queues).containsEntry("prefix", "acme")
			.containsEntry("visibilityTimeoutSeconds", 90)
			.containsEntry("messageRetentionSeconds", 345600)
			.containsEntry("maxReceiveCount", 5);
		List<Map<String, Object>> lanes = (List<Map<String, Object>>) queues.get("lanes");
		assertThat(lanes).extracting((lane) -> lane.get("lane")).containsExactly("interactive", "standard", "batch");
		assertThat(lanes.get(0)).containsEntry("queue", "acme-jobs-interactive")
			.containsEntry("deadLetterQueue", "acme-jobs-interactive-dlq")
			.containsEntry("redrivePolicy", Map.of("deadLetterTarget", "acme-jobs-interactive-dlq", "maxReceiveCount", 5));
		assertThat((Map<String, Object>) queues.get("events")).containsEntry("queue", "acme-events")
			.containsEntry("deadLetterQueue", "acme-events-dlq");
		Map<String, Object> storage = (Map<String, Object>) values.get("storage");
		assertThat(storage).containsEntry("bucket", "acme-images")
			.containsEntry("lifecycle", Map.of("prefix", "jobs/", "expirationDays", 2));
	}

	@Test
	void matchesWhatProvisioningCreates() {
		assertThat(run()).isZero();
		String values = this.out.toString(StandardCharsets.UTF_8);
		for (QueueTopology.Queue queue : new QueueTopology(QueueNames.defaults(),
				new QueueServiceProperties.Queues(3, Duration.ofSeconds(120), Duration.ofDays(4)), "kiln-images",
				Duration.ofDays(7))
			.queues()) {
			assertThat(values).contains(": " + queue.name() + "\n");
		}
	}

	@Test
	void refusesAnUnknownFormatAndInvalidConfiguration() {
		assertThat(run("--format=terraform")).isEqualTo(2);
		assertThat(this.err.toString(StandardCharsets.UTF_8)).contains("only format is helm-values");
		assertThat(run("--kiln.queues.max-receive-count=0")).isEqualTo(1);
		assertThat(this.err.toString(StandardCharsets.UTF_8)).contains("Invalid configuration");
		assertThat(this.out.size()).isZero();
	}

	private int run(String... args) {
		return TopologyCommand.run(args, new PrintStream(this.out, true, StandardCharsets.UTF_8),
				new PrintStream(this.err, true, StandardCharsets.UTF_8));
	}

}
