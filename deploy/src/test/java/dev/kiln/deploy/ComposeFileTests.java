package dev.kiln.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the root {@code docker-compose.yml} for what {@code docker-compose config -q} cannot: health gates, memory
 * limits, pinned images, and the observability profile wired to the chart's dashboard. CI also runs
 * {@code docker-compose -f docker-compose.yml config -q}.
 */
class ComposeFileTests {

	private static final Path COMPOSE = Path.of(System.getProperty("kiln.compose.file", "../docker-compose.yml"));

	private static final List<String> KILN_SERVICES = List.of("gateway-service", "queue-service", "generation-worker",
			"autoscale-advisor");

	private static JsonNode services;

	@BeforeAll
	static void read() throws Exception {
		// SnakeYAML resolves the merge keys (<<: *kiln-env) the way docker-compose does.
		Object compose = new Yaml().load(Files.readString(COMPOSE));
		services = JsonMapper.builder().build().valueToTree(compose).path("services");
	}

	@Test
	void everyServiceHasAHealthCheckAMemoryLimitAndAPinnedImage() {
		assertThat(names()).contains("localstack", "redis", "prometheus", "grafana").containsAll(KILN_SERVICES);
		for (Map.Entry<String, JsonNode> service : services.properties()) {
			JsonNode spec = service.getValue();
			assertThat(spec.path("healthcheck").path("test").isMissingNode()).as("%s healthcheck", service.getKey())
				.isFalse();
			assertThat(spec.path("mem_limit").asString()).as("%s mem_limit", service.getKey()).isNotEmpty();
			String image = spec.path("image").asString().replaceAll("\\$\\{[A-Z_]+:-([^}]+)}", "$1");
			assertThat(image).as("%s image", service.getKey()).matches("[^:]+:[^:]+").doesNotEndWith(":latest");
		}
	}

	@Test
	void servicesStartOnlyOnceWhatTheyNeedIsHealthy() {
		for (Map.Entry<String, JsonNode> service : services.properties()) {
			for (Map.Entry<String, JsonNode> dependency : service.getValue().path("depends_on").properties()) {
				assertThat(dependency.getValue().path("condition").asString())
					.as("%s depends on %s", service.getKey(), dependency.getKey())
					.isEqualTo("service_healthy");
			}
		}
		assertThat(services.path("queue-service").path("environment").path("KILN_PROVISION").asString())
			.as("queue-service creates the queues and the bucket")
			.isEqualTo("true");
		for (String name : KILN_SERVICES) {
			if (!name.equals("queue-service")) {
				assertThat(services.path(name).path("depends_on").has("queue-service"))
					.as("%s waits for the provisioned queues", name)
					.isTrue();
			}
			assertThat(services.path(name).path("image").asString()).startsWith("kiln/" + name + ":");
			assertThat(services.path(name).path("read_only").asBoolean()).as("%s read-only", name).isTrue();
		}
	}

	@Test
	void observabilityProfileProvisionsTheChartsDashboard() {
		for (String name : List.of("prometheus", "grafana")) {
			assertThat(services.path(name).path("profiles").toString()).contains("observability");
		}
		assertThat(services.path("grafana").path("volumes").toString()).contains("./deploy/helm/kiln/dashboards");
		Path root = COMPOSE.toAbsolutePath().getParent();
		for (JsonNode volume : services.path("prometheus").path("volumes")) {
			assertThat(root.resolve(volume.asString().split(":")[0])).exists();
		}
		for (JsonNode volume : services.path("grafana").path("volumes")) {
			assertThat(root.resolve(volume.asString().split(":")[0])).exists();
		}
	}

	private static List<String> names() {
		List<String> names = new ArrayList<>();
		services.propertyNames().forEach(names::add);
		return names;
	}

}
