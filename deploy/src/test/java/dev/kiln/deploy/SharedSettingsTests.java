package dev.kiln.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The settings every Kiln service must agree on ({@code SharedProperties} in service-support: queue prefix, bucket,
 * job record retention) are set once, in {@code kiln.commonEnv}, and reach every Kiln container with one value.
 */
class SharedSettingsTests {

	@Test
	void everyContainerGetsTheSameSharedSettings() {
		List<List<EnvVar>> all = containerEnv(render("shared-defaults", Map.of()));
		assertThat(all).as("gateway, queue-service, advisor and worker").hasSizeGreaterThanOrEqualTo(4);
		for (List<EnvVar> env : all) {
			assertThat(value(env, "KILN_QUEUES_PREFIX")).isEqualTo("kiln");
			assertThat(value(env, "KILN_STORAGE_BUCKET")).isEqualTo("kiln-images");
			assertThat(value(env, "KILN_RETENTION")).isEqualTo("7d");
			assertThat(env.stream().filter((e) -> e.getName().equals("KILN_RETENTION"))).as("set once").hasSize(1);
		}
	}

	@Test
	void jobsRetentionIsTheRetentionOfEveryService() {
		for (List<EnvVar> env : containerEnv(render("shared-retention", Map.of("jobs.retention", "3d")))) {
			assertThat(value(env, "KILN_RETENTION")).isEqualTo("3d");
		}
	}

	@Test
	void theDeprecatedQueueServiceRecordRetentionStillWinsForEveryService() {
		for (List<EnvVar> env : containerEnv(
				render("shared-deprecated", Map.of("queueService.config.recordRetention", "2d")))) {
			assertThat(value(env, "KILN_RETENTION")).isEqualTo("2d");
		}
	}

	@Test
	void theSchemaRefusesARetentionThatIsNotADuration() {
		assertThatIllegalStateException()
			.isThrownBy(() -> render("shared-bad", Map.of("jobs.retention", "a week")))
			.withMessageContaining("retention");
	}

	private static RenderedChart render(String name, Map<String, Object> values) {
		return RenderedChart.render(name, values, List.of());
	}

	/** The env of every container that gets the common Kiln environment, one list per container. */
	private static List<List<EnvVar>> containerEnv(RenderedChart chart) {
		List<List<EnvVar>> all = new ArrayList<>();
		for (var template : chart.podTemplates()) {
			PodTemplateSpec typed = Serialization.unmarshal(template.toString(), PodTemplateSpec.class);
			typed.getSpec()
				.getContainers()
				.stream()
				.filter((container) -> container.getEnv().stream().anyMatch((e) -> e.getName().equals("KILN_QUEUES_PREFIX")))
				.forEach((container) -> all.add(container.getEnv()));
		}
		return all;
	}

	private static String value(List<EnvVar> env, String name) {
		return env.stream()
			.filter((e) -> e.getName().equals(name))
			.findFirst()
			.map(EnvVar::getValue)
			.orElseThrow(() -> new AssertionError("no " + name + " in " + env.stream().map(EnvVar::getName).toList()));
	}

}
