package dev.kiln.deploy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.deploy.RenderedChart.Manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * What a real EKS cluster needs of the chart beyond rendering (Kiln issue 15): a writable model cache, KEDA's identity
 * under EKS Pod Identity, a ScaledJob strategy that matches its metric and idle Jobs that end, workers that fit the
 * NodePool, an exposable gateway, network policies, {@code helm test}, and the node knobs. Each test failed on the
 * chart before its fix.
 */
class ClusterReadinessTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final long WORKER_UID = 65532;

	private static RenderedChart render(String name, Map<String, Object> values) {
		return RenderedChart.render(name, values, List.of());
	}

	private static RenderedChart renderFile(String file, Map<String, Object> values) {
		return RenderedChart.render(file, values, List.of(RenderedChart.testResource(file)));
	}

	// --- model cache ---------------------------------------------------------------------------------------------

	@Test
	void hostPathModelCacheIsHandedToTheWorkerUserByAnInitContainerWithOnlyChown() {
		PodTemplateSpec template = workerTemplate(render("host-path", Map.of("worker.model.cache", "hostPath")));
		assertThat(template.getSpec().getVolumes())
			.anyMatch((v) -> v.getName().equals("models") && v.getHostPath() != null);
		List<Container> init = template.getSpec().getInitContainers();
		assertThat(init).as("kubelet creates the hostPath root-owned 0755 and fsGroup does not apply to it")
			.singleElement()
			.satisfies((container) -> {
				assertThat(container.getVolumeMounts()).anyMatch((m) -> m.getName().equals("models"));
				assertThat(String.join(" ", container.getCommand()) + " " + String.join(" ", container.getArgs()))
					.contains("chown").contains(WORKER_UID + ":" + WORKER_UID);
				var security = container.getSecurityContext();
				assertThat(security.getRunAsUser()).isZero();
				assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
				assertThat(security.getCapabilities().getAdd()).containsExactly("CHOWN");
				assertThat(security.getAllowPrivilegeEscalation()).isFalse();
				assertThat(security.getReadOnlyRootFilesystem()).isTrue();
				assertThat(security.getPrivileged()).isNotEqualTo(Boolean.TRUE);
				assertThat(security.getSeLinuxOptions()).as("ordinary container_t: Bottlerocket lets it write local_t")
					.isNull();
			});
		assertThat(workerTemplate(render("empty-dir", Map.of())).getSpec().getInitContainers())
			.as("emptyDir honours fsGroup: no root container")
			.isEmpty();
	}

	// --- KEDA identity -------------------------------------------------------------------------------------------

	@Test
	void podIdentityWithTheNativeSqsTriggerAuthenticatesAsKedaNotAsTheWorkload() {
		JsonNode podIdentity = triggerAuthentication(renderFile("values-native-sqs.yaml", Map.of()));
		assertThat(podIdentity.path("provider").asString()).isEqualTo("aws");
		assertThat(podIdentity.path("identityOwner").asString())
			.as("identityOwner workload reads an IRSA annotation that Pod Identity does not set")
			.isEqualTo("keda");

		JsonNode assumed = triggerAuthentication(renderFile("values-native-sqs.yaml",
				Map.of("worker.autoscaling.sqs.roleArn", "arn:aws:iam::123456789012:role/kiln-keda-sqs")));
		assertThat(assumed.path("roleArn").asString()).isEqualTo("arn:aws:iam::123456789012:role/kiln-keda-sqs");
		assertThat(assumed.has("identityOwner")).as("roleArn and identityOwner are mutually exclusive (KEDA docs)")
			.isFalse();

		JsonNode irsa = triggerAuthentication(render("irsa-sqs", Map.of("worker.autoscaling.trigger", "aws-sqs-queue")));
		assertThat(irsa.path("identityOwner").asString()).isEqualTo("workload");

		assertThatIllegalStateException()
			.isThrownBy(() -> renderFile("values-native-sqs.yaml",
					Map.of("worker.autoscaling.sqs.identityOwner", "workload")))
			.withMessageContaining("identityOwner")
			.withMessageContaining("IRSA");
	}

	// --- ScaledJob ------------------------------------------------------------------------------------------------

	@Test
	void scaledJobUsesAStrategyForAMetricThatCountsInFlightMessages() {
		JsonNode spec = scaledJob(render("scaled-job", Map.of("worker.autoscaling.mode", "scaledJob")));
		// KEDA's scaling-jobs docs: "accurate" is for a queue length that does not include locked (in-flight) messages;
		// Kiln's metrics (the advisor's, and aws-sqs-queue with scaleOnInFlight) include them.
		assertThat(spec.path("scalingStrategy").path("strategy").asString()).isEqualTo("default");
		assertThatIllegalStateException()
			.isThrownBy(() -> render("accurate", Map.of("worker.autoscaling.mode", "scaledJob",
					"worker.autoscaling.scaledJob.strategy", "accurate")))
			.withMessageContaining("accurate")
			.withMessageContaining("in-flight");
		JsonNode lanes = scaledJob(render("scaled-job-sqs",
				Map.of("worker.autoscaling.mode", "scaledJob", "worker.autoscaling.trigger", "aws-sqs-queue")));
		assertThat(lanes.path("scalingStrategy").path("multipleScalersCalculation").asString())
			.as("one trigger per lane: a Job takes any lane's message, so lanes add up")
			.isEqualTo("sum");
	}

	@Test
	void scaledJobWorkersExitWhenIdleAndDeploymentWorkersDoNot() {
		Container job = workerContainer(workerTemplate(render("scaled-job", Map.of("worker.autoscaling.mode", "scaledJob"))));
		Duration idle = RenderedChart.duration(env(job, "KILN_WORKER_MAX_IDLE"));
		assertThat(idle).isPositive().isLessThan(Duration.ofMinutes(10));
		Container deployment = workerContainer(workerTemplate(render("defaults", Map.of())));
		assertThat(deployment.getEnv()).noneMatch((e) -> e.getName().equals("KILN_WORKER_MAX_IDLE"));
	}

	// --- GPU budget -----------------------------------------------------------------------------------------------

	@Test
	void refusesMoreWorkersThanTheNodePoolHasGpus() {
		RenderedChart defaults = render("defaults", Map.of());
		JsonNode nodePool = defaults.find("NodePool", RenderedChart.componentName("gpu")).orElseThrow().tree();
		int limit = Integer.parseInt(nodePool.path("spec").path("limits").path("nvidia.com/gpu").asString());
		int max = defaults.ofKind("ScaledObject").get(0).tree().path("spec").path("maxReplicaCount").asInt();
		assertThat(max).as("default maxReplicaCount fits the default NodePool limit").isLessThanOrEqualTo(limit);
		assertThatIllegalStateException()
			.isThrownBy(() -> render("too-many", Map.of("worker.autoscaling.maxReplicaCount", "10")))
			.withMessageContaining("maxReplicaCount")
			.withMessageContaining("nvidia.com/gpu");
		assertThat(render("no-karpenter", Map.of("worker.autoscaling.maxReplicaCount", "10", "karpenter.enabled", "false"))
			.ofKind("ScaledObject")).hasSize(1);
	}

	// --- gateway --------------------------------------------------------------------------------------------------

	@Test
	void gatewayIsExposedThroughAnAlbIngressWithAutoscalingSpreadAndDeregistrationDelay() {
		RenderedChart chart = renderFile("values-everything.yaml", Map.of());
		String gateway = RenderedChart.componentName("gateway");
		Ingress ingress = typed(chart, "Ingress", gateway, Ingress.class);
		assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("alb");
		assertThat(ingress.getMetadata().getAnnotations()).containsEntry("alb.ingress.kubernetes.io/target-type", "ip")
			.containsEntry("alb.ingress.kubernetes.io/scheme", "internet-facing")
			.containsEntry("alb.ingress.kubernetes.io/healthcheck-path", "/actuator/health/readiness")
			.containsKey("alb.ingress.kubernetes.io/certificate-arn");
		var backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
		assertThat(backend.getName()).isEqualTo(gateway);
		assertThat(ingress.getSpec().getRules().get(0).getHost()).isEqualTo("kiln.example.com");

		Service service = typed(chart, "Service", gateway, Service.class);
		assertThat(service.getMetadata().getAnnotations())
			.containsEntry("service.beta.kubernetes.io/aws-load-balancer-type", "external");

		HorizontalPodAutoscaler hpa = typed(chart, "HorizontalPodAutoscaler", gateway, HorizontalPodAutoscaler.class);
		assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(gateway);
		assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
		assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(5);
		Deployment deployment = typed(chart, "Deployment", gateway, Deployment.class);
		assertThat(deployment.getSpec().getReplicas()).as("the HPA owns the replica count").isNull();

		var pod = deployment.getSpec().getTemplate().getSpec();
		var lifecycle = pod.getContainers().get(0).getLifecycle();
		assertThat(lifecycle.getPreStop().getSleep().getSeconds()).isEqualTo(20L);
		assertThat(pod.getTerminationGracePeriodSeconds()).as("grace covers the preStop sleep and Spring's shutdown")
			.isGreaterThan(20L + 30L);
		assertThat(pod.getTopologySpreadConstraints()).extracting(TopologySpreadConstraint::getTopologyKey)
			.contains("topology.kubernetes.io/zone");
		assertThat(pod.getTopologySpreadConstraints()).allSatisfy((t) -> assertThat(t.getLabelSelector().getMatchLabels())
			.containsEntry("app.kubernetes.io/component", "gateway"));

		RenderedChart defaults = render("defaults", Map.of());
		assertThat(defaults.ofKind("Ingress")).isEmpty();
		assertThat(defaults.ofKind("HorizontalPodAutoscaler")).isEmpty();
		Deployment plain = typed(defaults, "Deployment", gateway, Deployment.class);
		assertThat(plain.getSpec().getReplicas()).isEqualTo(2);
		assertThat(plain.getSpec().getTemplate().getSpec().getContainers().get(0).getLifecycle().getPreStop())
			.as("a preStop delay by default: the load balancer deregisters before the gateway stops")
			.isNotNull();
		assertThat(plain.getSpec().getTemplate().getSpec().getTopologySpreadConstraints()).isNotEmpty();
	}

	// --- network policies -----------------------------------------------------------------------------------------

	@Test
	void networkPoliciesLeaveTheGatewayPublicAndCloseEverythingElse() {
		RenderedChart chart = render("defaults", Map.of());
		NetworkPolicy gateway = typed(chart, "NetworkPolicy", RenderedChart.componentName("gateway"), NetworkPolicy.class);
		assertThat(gateway.getSpec().getIngress()).singleElement()
			.satisfies((rule) -> assertThat(rule.getFrom()).as("from anywhere").isNullOrEmpty());

		for (String component : List.of("queue-service", "worker", "advisor")) {
			NetworkPolicy policy = typed(chart, "NetworkPolicy", RenderedChart.componentName(component),
					NetworkPolicy.class);
			assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");
			assertThat(policy.getSpec().getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component",
					component);
			List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
			assertThat(rules).as("%s", component).isNotEmpty().allSatisfy((rule) -> assertThat(rule.getFrom()).isNotEmpty());
			NetworkPolicyIngressRule http = rules.stream()
				.filter((rule) -> rule.getPorts().stream().anyMatch((p) -> "http".equals(p.getPort().getStrVal())))
				.findFirst()
				.orElseThrow();
			assertThat(http.getFrom()).anyMatch((peer) -> peer.getPodSelector() != null && peer.getNamespaceSelector() == null
					&& "kiln".equals(peer.getPodSelector().getMatchLabels().get("app.kubernetes.io/part-of")));
			assertThat(http.getFrom()).anyMatch((peer) -> peer.getNamespaceSelector() != null
					&& "monitoring".equals(peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name")));
		}
		NetworkPolicy advisor = typed(chart, "NetworkPolicy", RenderedChart.componentName("advisor"), NetworkPolicy.class);
		NetworkPolicyIngressRule grpc = advisor.getSpec().getIngress().stream()
			.filter((rule) -> rule.getPorts().stream().anyMatch((p) -> "grpc".equals(p.getPort().getStrVal())))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no rule for the advisor's gRPC port"));
		assertThat(grpc.getPorts()).as("the gRPC rule opens only gRPC").hasSize(1);
		assertThat(grpc.getFrom()).singleElement().satisfies((NetworkPolicyPeer peer) -> {
			assertThat(peer.getPodSelector()).isNull();
			assertThat(peer.getNamespaceSelector().getMatchLabels()).containsEntry("kubernetes.io/metadata.name", "keda");
		});
		assertThat(render("off", Map.of("networkPolicy.enabled", "false")).ofKind("NetworkPolicy")).isEmpty();
	}

	// --- helm test ------------------------------------------------------------------------------------------------

	@Test
	void helmTestChecksThatTheGatewayAnswersAndAGpuPodSeesItsDevice() {
		for (String template : List.of("gateway-answers.yaml", "gpu-device.yaml")) {
			assertThat(RenderedChart.read(RenderedChart.CHART.resolve("templates/tests/" + template)))
				.as("%s is a helm test hook", template)
				.contains("helm.sh/hook: test");
		}
		RenderedChart chart = RenderedChart.renderTestHooks("defaults", Map.of());
		List<Pod> tests = chart.ofKind("Pod").stream()
			.map((m) -> Serialization.unmarshal(m.yaml(), Pod.class))
			.filter((pod) -> "test".equals(pod.getMetadata().getAnnotations().get(RenderedChart.RENDERED_HOOK)))
			.toList();
		assertThat(tests).hasSize(2);
		Pod gateway = tests.stream().filter((p) -> p.getMetadata().getName().contains("gateway")).findFirst().orElseThrow();
		assertThat(String.join(" ", commandLine(gateway.getSpec().getContainers().get(0))))
			.contains("http://" + RenderedChart.componentName("gateway") + ":80/actuator/health/readiness");
		assertThat(gateway.getSpec().getRestartPolicy()).isEqualTo("Never");
		Pod gpu = tests.stream().filter((p) -> p.getMetadata().getName().contains("gpu")).findFirst().orElseThrow();
		Container device = gpu.getSpec().getContainers().get(0);
		assertThat(device.getResources().getLimits().get("nvidia.com/gpu").getAmount()).isEqualTo("1");
		assertThat(String.join(" ", commandLine(device))).contains("nvidia-smi");
		assertThat(gpu.getSpec().getTolerations()).anyMatch((t) -> "nvidia.com/gpu".equals(t.getKey()));
		assertThat(gpu.getSpec().getAffinity().getNodeAffinity().toString()).contains(RenderedChart.componentName("gpu"));
		for (Pod pod : tests) {
			assertThat(RenderedChart.unknownFields(pod)).as("unknown fields of %s", pod.getMetadata().getName()).isEmpty();
			for (Container container : pod.getSpec().getContainers()) {
				assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
				assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
				assertThat(container.getImage()).doesNotEndWith(":latest").matches(".*:[^/]+$");
			}
		}
		assertThat(RenderedChart.renderTestHooks("no-gpu-test", Map.of("tests.gpu.enabled", "false")).ofKind("Pod")).hasSize(1);
	}

	// --- observability --------------------------------------------------------------------------------------------

	@Test
	void dashboardPricesGpuHoursFromTheValues() {
		RenderedChart chart = render("price", Map.of("costs.gpuHourlyPrice", "1.23"));
		JsonNode dashboard = JSON.readTree(chart.ofKind("ConfigMap").get(0).tree().path("data").path("kiln.json").asString());
		JsonNode price = null;
		for (JsonNode variable : dashboard.path("templating").path("list")) {
			if (variable.path("name").asString().equals("gpu_hourly_price")) {
				price = variable;
			}
		}
		assertThat(price).as("the gpu_hourly_price variable").isNotNull();
		assertThat(price.path("query").asString()).isEqualTo("1.23");
		assertThat(price.path("current").path("value").asString()).isEqualTo("1.23");
		assertThat(dashboard.toString()).contains("$gpu_hourly_price").contains("{{lane}}");
	}

	@Test
	void staleInputsAlertOnlyTreatsAMissingAdvisorAsStaleWhenTheChartScrapesIt() {
		String unscraped = staleAlert(render("rule-only", Map.of("metrics.prometheusRule.enabled", "true")));
		assertThat(unscraped).as("absent() fires forever when nothing scrapes the advisor").doesNotContain("absent(")
			.contains("kiln_advisor_inputs_stale");
		String scraped = staleAlert(render("rule-and-monitors",
				Map.of("metrics.prometheusRule.enabled", "true", "metrics.serviceMonitor.enabled", "true")));
		assertThat(scraped).contains("kiln_advisor_inputs_stale").contains("absent(");
	}

	// --- AWS account id -------------------------------------------------------------------------------------------

	@Test
	void accountIdMayBeANumberOrAString() {
		String expected = "https://sqs.us-east-1.amazonaws.com/123456789012/kiln-jobs-interactive";
		assertThat(firstQueueUrl(render("set-number",
				Map.of("aws.accountId", "123456789012", "worker.autoscaling.trigger", "aws-sqs-queue")))).isEqualTo(expected);
		assertThat(firstQueueUrl(renderFile("values-account-number.yaml", Map.of()))).isEqualTo(expected);
		assertThat(firstQueueUrl(render("leading-zero",
				Map.of("aws.accountId", "012345678901", "worker.autoscaling.trigger", "aws-sqs-queue"))))
			.isEqualTo("https://sqs.us-east-1.amazonaws.com/012345678901/kiln-jobs-interactive");
		assertThatIllegalStateException()
			.isThrownBy(() -> render("short", Map.of("aws.accountId", "1234567890123", "worker.autoscaling.trigger", "aws-sqs-queue")))
			.withMessageContaining("accountId");
	}

	// --- drain and spot -------------------------------------------------------------------------------------------

	@Test
	void drainTimeoutIsDerivedFromTheSpotNoticeWhenSpotIsAllowed() {
		Container spot = workerContainer(workerTemplate(render("defaults", Map.of())));
		Duration drain = RenderedChart.duration(env(spot, "KILN_WORKER_DRAIN_TIMEOUT"));
		Duration phase = RenderedChart.duration(env(spot, "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE"));
		// EC2 gives a spot instance a two-minute interruption notice (EC2 user guide, "Spot Instance interruption
		// notices"); Karpenter needs some of it to taint and drain the node before the worker sees SIGTERM.
		assertThat(drain).isLessThanOrEqualTo(Duration.ofSeconds(60));
		assertThat(phase.plusSeconds(20)).as("drain + release + Karpenter's reaction fit the notice")
			.isLessThanOrEqualTo(Duration.ofSeconds(120));
		Container onDemand = workerContainer(workerTemplate(
				render("on-demand", Map.of("karpenter.nodePool.capacityTypes[0]", "on-demand"))));
		assertThat(RenderedChart.duration(env(onDemand, "KILN_WORKER_DRAIN_TIMEOUT"))).isEqualTo(Duration.ofSeconds(90));
		Container explicit = workerContainer(workerTemplate(render("explicit", Map.of("worker.drainTimeout", "45s"))));
		assertThat(env(explicit, "KILN_WORKER_DRAIN_TIMEOUT")).isEqualTo("45s");
	}

	// --- Karpenter knobs ------------------------------------------------------------------------------------------

	@Test
	void nodePoolAndNodeClassKnobsReachKarpenter() {
		RenderedChart chart = renderFile("values-everything.yaml", Map.of());
		JsonNode nodePool = chart.find("NodePool", RenderedChart.componentName("gpu")).orElseThrow().tree().path("spec");
		Map<String, List<String>> requirements = new java.util.LinkedHashMap<>();
		for (JsonNode requirement : nodePool.path("template").path("spec").path("requirements")) {
			List<String> values = new ArrayList<>();
			requirement.path("values").forEach((v) -> values.add(v.asString()));
			requirements.put(requirement.path("key").asString(), values);
		}
		assertThat(requirements).containsEntry("karpenter.k8s.aws/instance-family", List.of("g6", "g6e"))
			.containsEntry("karpenter.k8s.aws/instance-size", List.of("xlarge", "2xlarge"))
			.containsEntry("karpenter.k8s.aws/instance-gpu-count", List.of("1"))
			.containsEntry("topology.kubernetes.io/zone", List.of("us-east-1a", "us-east-1b"));
		assertThat(nodePool.path("template").path("spec").path("terminationGracePeriod").asString()).isEqualTo("2h");
		JsonNode nodeClass = chart.find("EC2NodeClass", RenderedChart.componentName("gpu")).orElseThrow().tree()
			.path("spec");
		assertThat(nodeClass.path("instanceStorePolicy").asString()).isEqualTo("RAID0");
		JsonNode data = nodeClass.path("blockDeviceMappings").get(1).path("ebs");
		assertThat(data.path("throughput").asInt()).isEqualTo(1000);
		assertThat(data.path("iops").asInt()).isEqualTo(8000);

		JsonNode defaults = render("defaults", Map.of()).find("NodePool", RenderedChart.componentName("gpu"))
			.orElseThrow().tree().path("spec").path("template").path("spec");
		assertThat(defaults.toString()).doesNotContain("instance-size", "topology.kubernetes.io/zone");
		assertThat(defaults.has("terminationGracePeriod")).isFalse();
	}

	@Test
	void refusesNodeSettingsThatCutWorkersShortOrThatEbsRejects() {
		assertThatIllegalStateException()
			.isThrownBy(() -> render("short-node-grace", Map.of("karpenter.nodePool.terminationGracePeriod", "60s")))
			.withMessageContaining("terminationGracePeriod");
		// gp3: at most 0.25 MiB/s of throughput per provisioned IOPS (Amazon EBS user guide, "General Purpose SSD").
		assertThatIllegalStateException()
			.isThrownBy(() -> render("gp3-ratio", Map.of("karpenter.nodeClass.dataVolume.throughput", "1000",
					"karpenter.nodeClass.dataVolume.iops", "3000")))
			.withMessageContaining("throughput");
	}

	// --- helpers --------------------------------------------------------------------------------------------------

	private static JsonNode triggerAuthentication(RenderedChart chart) {
		List<Manifest> auths = chart.ofKind("TriggerAuthentication");
		assertThat(auths).hasSize(1);
		return auths.get(0).tree().path("spec").path("podIdentity");
	}

	private static JsonNode scaledJob(RenderedChart chart) {
		return chart.ofKind("ScaledJob").get(0).tree().path("spec");
	}

	private static String staleAlert(RenderedChart chart) {
		for (JsonNode group : chart.ofKind("PrometheusRule").get(0).tree().path("spec").path("groups")) {
			for (JsonNode rule : group.path("rules")) {
				if (rule.path("alert").asString().equals("KilnAdvisorInputsStale")) {
					return rule.path("expr").asString();
				}
			}
		}
		throw new AssertionError("no KilnAdvisorInputsStale alert");
	}

	private static String firstQueueUrl(RenderedChart chart) {
		return chart.ofKind("ScaledObject").get(0).tree().path("spec").path("triggers").get(0).path("metadata")
			.path("queueURL").asString();
	}

	private static <T> T typed(RenderedChart chart, String kind, String name, Class<T> type) {
		Manifest manifest = chart.find(kind, name)
			.orElseThrow(() -> new AssertionError(chart.valueSet() + ": no " + kind + " " + name));
		return Serialization.unmarshal(manifest.yaml(), type);
	}

	private static List<String> commandLine(Container container) {
		List<String> line = new ArrayList<>(container.getCommand());
		line.addAll(container.getArgs());
		return line;
	}

	private static PodTemplateSpec workerTemplate(RenderedChart chart) {
		return Serialization.unmarshal(chart.workerPodTemplate().toString(), PodTemplateSpec.class);
	}

	private static Container workerContainer(PodTemplateSpec template) {
		return template.getSpec().getContainers().stream().filter((c) -> c.getName().equals("worker")).findFirst()
			.orElseThrow(() -> new AssertionError("no worker container"));
	}

	private static String env(Container container, String name) {
		return container.getEnv().stream().filter((e) -> e.getName().equals(name)).map((e) -> e.getValue()).findFirst()
			.orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
	}

}
