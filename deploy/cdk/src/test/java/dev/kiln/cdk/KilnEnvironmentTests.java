package dev.kiln.cdk;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class KilnEnvironmentTests {

	@Test
	void refusesKubernetesOlderThan133() {
		assertThatIllegalArgumentException().isThrownBy(() -> environment("1.32", "0.1.0", List.of()))
			.withMessageContaining("1.33 or newer");
	}

	@Test
	void refusesTheLatestTag() {
		assertThatIllegalArgumentException().isThrownBy(() -> environment("1.33", "latest", List.of()))
			.withMessageContaining("must name one build");
	}

	@Test
	void topologyOverridesReachTheQueueServicesCommand() {
		KilnEnvironment environment = environment("1.34", "0.1.0",
				List.of("--kiln.queues.prefix=acme", "--kiln.queues.visibility-timeout=300s",
						"--kiln.queues.max-receive-count=5"));
		KilnTopology topology = KilnTopology.of(environment.topologyArguments());
		assertThat(topology.prefix()).isEqualTo("acme");
		assertThat(topology.visibilityTimeoutSeconds()).isEqualTo(300);
		assertThat(topology.maxReceiveCount()).isEqualTo(5);
		assertThat(topology.bucket()).isEqualTo("kiln-prod-123456789012-eu-west-1");
		assertThat(topology.jobsQueues()).extracting(KilnTopology.WorkQueue::deadLetterQueue)
			.containsExactly("acme-jobs-interactive-dlq", "acme-jobs-standard-dlq", "acme-jobs-batch-dlq");
	}

	@Test
	void invalidTopologyFailsWithTheQueueServicesMessage() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> KilnTopology.of(List.of("--kiln.queues.visibility-timeout=13h")))
			.withMessageContaining("visibility-timeout must be between 0 and 12h");
	}

	private static KilnEnvironment environment(String version, String tag, List<String> overrides) {
		return new KilnEnvironment("prod", "123456789012", "eu-west-1", null, version, JobStore.Flavour.MEMORYDB, tag,
				"bottlerocket@v1.40.0", null, Path.of("../helm/kiln"), overrides, "1.8.1", "2.20.0");
	}

}
