package dev.kiln.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.marcnuri.helm.Helm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Grafana dashboard and the chart's alert rules name only metrics that some Kiln service exports, that an
 * exporter outside Kiln provides ({@link #EXTERNAL}), or that the worker exports only on a GPU machine
 * ({@link #ONLY_WITH_A_GPU}, whose names the worker's own tests check): a renamed meter would otherwise blank a panel
 * or disarm an alert without anyone noticing. Starts the local stack, runs a job (some meters exist only once a job has run), scrapes
 * every service's {@code /actuator/prometheus} and compares.
 */
class MetricNamesIntegrationTests {

	private static final Path CHART = Path.of(System.getProperty("kiln.chart.dir", "../deploy/helm/kiln"));

	/** Metrics the dashboard or the rules may read that no Kiln service exports, with the exporter that does. */
	private static final Map<String, String> EXTERNAL = Map.of(
			// https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/pod-metrics.md
			"kube_pod_container_resource_requests", "kube-state-metrics",
			// https://karpenter.sh/docs/reference/metrics/ (Interruption)
			"karpenter_interruption_received_messages_total", "Karpenter",
			// NVIDIA DCGM exporter, default counters (etc/default-counters.csv of NVIDIA/dcgm-exporter 4.8.2;
			// https://docs.nvidia.com/datacenter/dcgm/latest/reference/dcgm-exporter-metrics.html)
			"DCGM_FI_DEV_GPU_UTIL", "NVIDIA DCGM exporter (dcgmExporter.enabled, or the GPU Operator's)",
			"DCGM_FI_DEV_FB_USED", "NVIDIA DCGM exporter (dcgmExporter.enabled, or the GPU Operator's)");

	/**
	 * Meters a Kiln service registers only on a machine with a CUDA device, so the local stack (CPU only) never exports
	 * them; where their names are checked instead.
	 */
	private static final Map<String, String> ONLY_WITH_A_GPU = Map.of(
			"kiln_worker_gpu_memory_used_bytes", "generation-worker GpuMemoryMetricsTests, DeviceIntegrationTests",
			"kiln_worker_gpu_memory_total_bytes", "generation-worker GpuMemoryMetricsTests, DeviceIntegrationTests");

	/** Micrometer's and Prometheus' suffixes of a meter's series. */
	private static final Pattern SUFFIX = Pattern.compile("_(total|bucket|sum|count|max|created)$");

	private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\(\\s*(.*?)\\s*,\\s*\\w+\\s*\\)\\s*$");

	private static final Pattern QUERY_RESULT = Pattern.compile("^\\s*query_result\\((.*)\\)\\s*$");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final YAMLMapper YAML = YAMLMapper.builder().build();

	private static LocalStack stack;

	/** Every series name and every {@code # TYPE} name the services export. */
	private static Set<String> exported;

	@BeforeAll
	static void startRunAJobAndScrape(@TempDir Path work) {
		stack = LocalStack.start(LocalStackOptions.anyPorts(work));
		RestClient gateway = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.baseUrl(stack.gatewayUrl())
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + stack.apiKey())
			.build();
		String id = gateway.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"prompt": "a kiln at night", "width": 64, "height": 64, "steps": 2, "seed": 3}""")
			.retrieve()
			.body(JsonNode.class)
			.get("id")
			.asString();
		await().atMost(Duration.ofSeconds(90))
			.pollInterval(Duration.ofMillis(250))
			.until(() -> gateway.get().uri("/v1/jobs/{id}", id).retrieve().body(JsonNode.class).get("state").asString(),
					"SUCCEEDED"::equals);
		exported = new TreeSet<>();
		stack.ports().forEach((service, port) -> {
			if (!service.equals("advisor-grpc")) {
				exported.addAll(seriesNames(RestClient.create("http://localhost:" + port)
					.get()
					.uri("/actuator/prometheus")
					.retrieve()
					.body(String.class)));
			}
		});
	}

	@AfterAll
	static void stop() {
		if (stack != null) {
			stack.close();
		}
	}

	@Test
	void everyMetricTheDashboardReadsIsExported() throws IOException {
		Map<String, String> named = dashboardMetrics(CHART.resolve("dashboards/kiln.json"));
		assertThat(named).as("the dashboard names metrics").isNotEmpty();
		assertThat(notExported(named)).as("metrics in dashboards/kiln.json that nothing exports").isEmpty();
	}

	@Test
	void everyMetricTheAlertRulesReadIsExported() {
		Map<String, String> named = ruleMetrics();
		assertThat(named).as("the rules name metrics").hasSizeGreaterThan(5);
		assertThat(notExported(named)).as("metrics in the PrometheusRule that nothing exports").isEmpty();
	}

	/** The check can fail: a dashboard whose panel reads a meter under a name no service exports. */
	@Test
	void aMisnamedMetricInADashboardIsFound() throws IOException {
		Map<String, String> named = dashboardMetrics(Path.of("src/test/resources/dashboards/misnamed.json"));
		assertThat(notExported(named)).containsOnlyKeys("kiln_worker_render_second_bucket");
	}

	/** Where each name not exported by a service nor listed as external is read. */
	private static Map<String, String> notExported(Map<String, String> named) {
		Map<String, String> missing = new TreeMap<>();
		named.forEach((name, where) -> {
			if (!EXTERNAL.containsKey(name) && !ONLY_WITH_A_GPU.containsKey(name) && !exported.contains(name)
					&& !exported.contains(SUFFIX.matcher(name).replaceFirst(""))) {
				missing.put(name, where);
			}
		});
		return missing;
	}

	/** Series names of a Prometheus text exposition, and the names of its {@code # TYPE} lines. */
	private static Set<String> seriesNames(String exposition) {
		Set<String> names = new TreeSet<>();
		for (String line : exposition.lines().toList()) {
			if (line.startsWith("# TYPE ")) {
				names.add(line.split(" ")[2]);
			}
			else if (!line.isBlank() && !line.startsWith("#")) {
				Matcher name = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(line);
				if (name.find()) {
					names.add(name.group());
				}
			}
		}
		assertThat(names).as("an exposition with series").isNotEmpty();
		return names;
	}

	/** Metric name to the title of a panel (or variable) that reads it. */
	private static Map<String, String> dashboardMetrics(Path dashboard) throws IOException {
		Map<String, String> names = new LinkedHashMap<>();
		JsonNode root = JSON.readTree(Files.readString(dashboard));
		for (JsonNode panel : root.path("panels")) {
			collectPanel(panel, names);
		}
		for (JsonNode variable : root.path("templating").path("list")) {
			if (variable.path("type").asString().equals("query")) {
				JsonNode query = variable.path("query");
				String text = query.isObject() ? query.path("query").asString() : query.asString();
				Matcher labelValues = LABEL_VALUES.matcher(text);
				Matcher queryResult = QUERY_RESULT.matcher(text);
				String expression = labelValues.matches() ? labelValues.group(1)
						: queryResult.matches() ? queryResult.group(1) : text;
				PromQl.metricNames(expression)
					.forEach((name) -> names.putIfAbsent(name, "variable " + variable.path("name").asString()));
			}
		}
		return names;
	}

	private static void collectPanel(JsonNode panel, Map<String, String> names) {
		for (JsonNode target : panel.path("targets")) {
			PromQl.metricNames(target.path("expr").asString())
				.forEach((name) -> names.putIfAbsent(name, "panel " + panel.path("title").asString()));
		}
		for (JsonNode nested : panel.path("panels")) {
			collectPanel(nested, names);
		}
	}

	/** Metric name to the alert that reads it, from the PrometheusRule the chart renders with the rules enabled. */
	private static Map<String, String> ruleMetrics() {
		String rendered = new Helm(CHART).template()
			.withName("kiln")
			.withNamespace("kiln-test")
			.withKubeVersion("1.33.0")
			.set("metrics.prometheusRule.enabled", "true")
			.set("metrics.serviceMonitor.enabled", "true")
			.call();
		Map<String, String> names = new LinkedHashMap<>();
		for (String document : rendered.split("(?m)^---\\s*$")) {
			if (!document.contains("kind: PrometheusRule")) {
				continue;
			}
			JsonNode rule = YAML.readTree(document);
			for (JsonNode group : rule.path("spec").path("groups")) {
				for (JsonNode each : group.path("rules")) {
					String where = each.has("alert") ? "alert " + each.path("alert").asString()
							: "record " + each.path("record").asString();
					PromQl.metricNames(each.path("expr").asString()).forEach((name) -> names.putIfAbsent(name, where));
				}
			}
		}
		return names;
	}

}
