package dev.kiln.deploy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@code dcgmExporter}: NVIDIA's DCGM exporter runs, when asked, on exactly the Kiln GPU nodes (their NodePool, their
 * taint tolerated), takes none of their GPUs, and is scraped through its own Service and ServiceMonitor.
 */
class DcgmExporterTests {

	private static final String NAME = RenderedChart.componentName("dcgm-exporter");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Test
	void isOffByDefault() {
		RenderedChart chart = RenderedChart.render("defaults", Map.of("metrics.serviceMonitor.enabled", "true"),
				List.of());
		assertThat(chart.ofKind("DaemonSet")).isEmpty();
		assertThat(chart.documents()).noneMatch((manifest) -> manifest.name().equals(NAME));
	}

	@Test
	void runsOnTheKilnNodePoolsNodesToleratingTheirTaints() {
		RenderedChart chart = enabled(Map.of());
		PodSpec pod = daemonSet(chart).getSpec().getTemplate().getSpec();
		JsonNode nodePool = chart.find("NodePool", RenderedChart.componentName("gpu")).orElseThrow().tree();

		assertThat(pod.getNodeSelector()).containsExactly(
				Map.entry("karpenter.sh/nodepool", nodePool.path("metadata").path("name").asString()));
		JsonNode taints = nodePool.path("spec").path("template").path("spec").path("taints");
		assertThat(taints).as("the NodePool taints its nodes").isNotEmpty();
		for (JsonNode taint : taints) {
			assertThat(pod.getTolerations()).as("a toleration of %s", taint)
				.anyMatch((toleration) -> tolerates(toleration, taint));
		}
	}

	@Test
	void takesNoGpuAndExposesItsMetricsPort() {
		RenderedChart chart = enabled(Map.of());
		DaemonSet daemonSet = daemonSet(chart);
		Container exporter = daemonSet.getSpec().getTemplate().getSpec().getContainers().get(0);

		assertThat(exporter.getImage()).isEqualTo("nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless");
		assertThat(exporter.getResources().getRequests()).doesNotContainKey("nvidia.com/gpu");
		assertThat(exporter.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu").containsKey("memory");
		assertThat(env(exporter)).containsEntry("DCGM_EXPORTER_LISTEN", ":9400")
			.containsEntry("DCGM_EXPORTER_KUBERNETES", "true")
			.containsEntry("NVIDIA_VISIBLE_DEVICES", "all");
		assertThat(exporter.getPorts()).singleElement().satisfies((port) -> {
			assertThat(port.getName()).isEqualTo("metrics");
			assertThat(port.getContainerPort()).isEqualTo(9400);
		});
		assertThat(exporter.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health");
		assertThat(exporter.getVolumeMounts()).anySatisfy((mount) -> {
			assertThat(mount.getMountPath()).isEqualTo("/var/lib/kubelet/pod-resources");
			assertThat(mount.getReadOnly()).isTrue();
		});
		assertThat(exporter.getSecurityContext().getPrivileged()).as("Bottlerocket default").isTrue();
		assertThat(daemonSet.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
		assertThat(RenderedChart.unknownFields(daemonSet)).isEmpty();
	}

	@Test
	void isScrapedThroughItsServiceAndServiceMonitor() {
		RenderedChart chart = enabled(Map.of());
		DaemonSet daemonSet = daemonSet(chart);
		Service service = Serialization.unmarshal(chart.find("Service", NAME).orElseThrow().yaml(), Service.class);
		JsonNode monitor = chart.find("ServiceMonitor", NAME).orElseThrow().tree().path("spec");
		NetworkPolicy policy = Serialization.unmarshal(chart.find("NetworkPolicy", NAME).orElseThrow().yaml(),
				NetworkPolicy.class);

		assertThat(daemonSet.getSpec().getTemplate().getMetadata().getLabels())
			.containsAllEntriesOf(service.getSpec().getSelector())
			.containsAllEntriesOf(daemonSet.getSpec().getSelector().getMatchLabels());
		assertThat(service.getSpec().getPorts()).singleElement().satisfies((port) -> {
			assertThat(port.getName()).isEqualTo("metrics");
			assertThat(port.getPort()).isEqualTo(9400);
			assertThat(port.getTargetPort().getStrVal()).isEqualTo("metrics");
		});
		assertThat(monitor.path("endpoints").get(0).path("port").asString()).isEqualTo("metrics");
		assertThat(monitor.path("endpoints").get(0).path("path").asString()).isEqualTo("/metrics");
		Map<String, String> monitorSelector = new LinkedHashMap<>();
		monitor.path("selector").path("matchLabels").properties()
			.forEach((label) -> monitorSelector.put(label.getKey(), label.getValue().asString()));
		assertThat(monitorSelector).as("the ServiceMonitor selects this Service alone")
			.isEqualTo(service.getSpec().getSelector());
		assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(monitorSelector);
		assertThat(policy.getSpec().getIngress()).singleElement().satisfies((rule) -> {
			assertThat(rule.getPorts()).singleElement()
				.satisfies((port) -> assertThat(port.getPort().getStrVal()).isEqualTo("metrics"));
			assertThat(rule.getFrom()).singleElement()
				.satisfies((peer) -> assertThat(peer.getNamespaceSelector().getMatchLabels())
					.containsEntry("kubernetes.io/metadata.name", "monitoring"));
		});
	}

	@Test
	void noServiceMonitorUnlessServiceMonitorsAreOn() {
		RenderedChart chart = RenderedChart.render("dcgm-no-monitor", Map.of("dcgmExporter.enabled", "true"), List.of());
		assertThat(chart.find("DaemonSet", NAME)).isPresent();
		assertThat(chart.find("Service", NAME)).isPresent();
		assertThat(chart.find("ServiceMonitor", NAME)).isEmpty();
	}

	@Test
	void anotherPortReachesTheListenAddressTheContainerAndTheService() {
		RenderedChart chart = enabled(Map.of("dcgmExporter.port", "9500"));
		Container exporter = daemonSet(chart).getSpec().getTemplate().getSpec().getContainers().get(0);
		Service service = Serialization.unmarshal(chart.find("Service", NAME).orElseThrow().yaml(), Service.class);

		assertThat(env(exporter)).containsEntry("DCGM_EXPORTER_LISTEN", ":9500");
		assertThat(exporter.getPorts().get(0).getContainerPort()).isEqualTo(9500);
		assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(9500);
	}

	@Test
	void withoutKarpenterItNeedsANodeSelectorAndUsesIt() {
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("dcgm-karpenter-off",
					Map.of("dcgmExporter.enabled", "true", "karpenter.enabled", "false"), List.of()))
			.withMessageContaining("dcgmExporter.nodeSelector is required");
		RenderedChart chart = RenderedChart.render("dcgm-selector",
				Map.of("dcgmExporter.enabled", "true", "karpenter.enabled", "false", "dcgmExporter.nodeSelector.accelerator",
						"nvidia-l4"),
				List.of());
		assertThat(daemonSet(chart).getSpec().getTemplate().getSpec().getNodeSelector())
			.containsExactly(Map.entry("accelerator", "nvidia-l4"));
	}

	@Test
	void unprivilegedItIsRootWithSysAdminOnly() {
		Container exporter = daemonSet(enabled(Map.of("dcgmExporter.privileged", "false"))).getSpec()
			.getTemplate()
			.getSpec()
			.getContainers()
			.get(0);
		assertThat(exporter.getSecurityContext().getPrivileged()).isNull();
		assertThat(exporter.getSecurityContext().getCapabilities().getAdd()).containsExactly("SYS_ADMIN");
		assertThat(exporter.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
		assertThat(exporter.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
	}

	@Test
	void theDashboardReadsTheExporterByThePodsHoldingTheGpus() {
		RenderedChart chart = RenderedChart.render("defaults", Map.of(), List.of());
		JsonNode dashboard = JSON.readTree(chart.ofKind("ConfigMap").get(0).tree().path("data").path("kiln.json")
			.asString());
		Map<String, String> exprs = new LinkedHashMap<>();
		for (JsonNode panel : dashboard.path("panels")) {
			StringBuilder all = new StringBuilder();
			panel.path("targets").forEach((target) -> all.append(target.path("expr").asString()).append('\n'));
			exprs.put(panel.path("title").asString(), all.toString());
		}

		assertThat(exprs.get("GPU utilisation")).contains("DCGM_FI_DEV_GPU_UTIL{exported_namespace=~\"$namespace\"}");
		assertThat(exprs.get("GPU memory")).contains("kiln_worker_gpu_memory_used_bytes")
			.contains("kiln_worker_gpu_memory_total_bytes")
			.contains("DCGM_FI_DEV_FB_USED{exported_namespace=~\"$namespace\"}) * 1048576");
		assertThat(exprs.get("Images per GPU-hour")).contains("kiln_worker_render_image_seconds_count")
			.contains("nvidia_com_gpu");
		assertThat(exprs.get("Render seconds per image by model, size, batch"))
			.contains("sum by (model, size, batch) (rate(kiln_worker_render_image_seconds_sum");
	}

	private static RenderedChart enabled(Map<String, Object> more) {
		Map<String, Object> values = new LinkedHashMap<>(
				Map.of("dcgmExporter.enabled", "true", "metrics.serviceMonitor.enabled", "true"));
		values.putAll(more);
		return RenderedChart.render("dcgm", values, List.of());
	}

	private static DaemonSet daemonSet(RenderedChart chart) {
		return Serialization.unmarshal(chart.find("DaemonSet", NAME).orElseThrow().yaml(), DaemonSet.class);
	}

	private static Map<String, String> env(Container container) {
		Map<String, String> env = new LinkedHashMap<>();
		for (EnvVar variable : container.getEnv()) {
			if (variable.getValue() != null) {
				env.put(variable.getName(), variable.getValue());
			}
		}
		return env;
	}

	/** Kubernetes' toleration rule: same key, same effect (or none), and {@code Exists} or the same value. */
	private static boolean tolerates(Toleration toleration, JsonNode taint) {
		boolean key = Objects.equals(toleration.getKey(), taint.path("key").asString());
		boolean effect = toleration.getEffect() == null
				|| toleration.getEffect().equals(taint.path("effect").asString());
		boolean value = "Exists".equals(toleration.getOperator())
				|| Objects.equals(toleration.getValue(), taint.path("value").asString());
		return key && effect && value;
	}

}
