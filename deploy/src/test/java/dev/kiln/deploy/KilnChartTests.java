package dev.kiln.deploy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.deploy.RenderedChart.Manifest;
import dev.kiln.deploy.testing.CrdSchemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Lints the chart, renders it with several value sets and checks every object: typed parsing, CRD schemas, and the
 * invariants that keep Kiln from failing silently (grace period, scale from zero, fallback, GPU limit, pinned images,
 * hardened pods).
 */
class KilnChartTests {

	private static final Map<String, Class<? extends HasMetadata>> TYPED = Map.of("Deployment", Deployment.class,
			"Service", Service.class, "ServiceAccount", ServiceAccount.class, "PodDisruptionBudget",
			PodDisruptionBudget.class, "ConfigMap", ConfigMap.class, "Ingress", Ingress.class,
			"HorizontalPodAutoscaler", HorizontalPodAutoscaler.class, "NetworkPolicy", NetworkPolicy.class, "Pod",
			Pod.class);

	/** The one container allowed to run as root: it hands a hostPath model cache to the worker, with CHOWN only. */
	private static final String MODEL_CACHE_OWNER = "model-cache-owner";

	private static final List<String> CUSTOM_GROUPS = List.of("keda.sh/", "karpenter.sh/", "karpenter.k8s.aws/");

	private static final List<String> MONITORING = List.of("ServiceMonitor", "PrometheusRule");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static CrdSchemas crds;

	private static final Map<String, RenderedChart> rendered = new LinkedHashMap<>();

	@BeforeAll
	static void loadCrds() {
		crds = CrdSchemas.load();
	}

	static Stream<Arguments> valueSets() {
		return Stream.of("defaults", "native-sqs", "scaled-job", "karpenter-off", "production", "everything")
			.map((name) -> Arguments.of(Named.of(name, name)));
	}

	private static RenderedChart chart(String valueSet) {
		return rendered.computeIfAbsent(valueSet, (name) -> switch (name) {
			case "defaults" -> RenderedChart.render(name, Map.of(), List.of());
			case "native-sqs" ->
				RenderedChart.render(name, Map.of(), List.of(RenderedChart.testResource("values-native-sqs.yaml")));
			case "scaled-job" -> RenderedChart.render(name, Map.of("worker.autoscaling.mode", "scaledJob"), List.of());
			case "karpenter-off" -> RenderedChart.render(name, Map.of("karpenter.enabled", "false"), List.of());
			case "production" ->
				RenderedChart.render(name, Map.of(), List.of(RenderedChart.testResource("values-production.yaml")));
			case "everything" ->
				RenderedChart.render(name, Map.of(), List.of(RenderedChart.testResource("values-everything.yaml")));
			default -> throw new IllegalArgumentException(name);
		});
	}

	@Test
	void lintsWithoutErrorsOrWarnings() {
		LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();
		assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
		assertThat(result.getMessages()).noneMatch((message) -> message.contains("[ERROR]") || message.contains("[WARNING]"));
	}

	@ParameterizedTest
	@MethodSource("valueSets")
	void everyObjectParsesIntoItsTypedModel(String valueSet) {
		RenderedChart chart = chart(valueSet);
		assertThat(chart.documents()).isNotEmpty();
		for (Manifest manifest : chart.documents()) {
			Object parsed = Serialization.unmarshal(manifest.yaml());
			Class<? extends HasMetadata> type = TYPED.get(manifest.kind());
			if (type != null) {
				assertThat(parsed).as("%s parses as %s", manifest, type.getSimpleName()).isInstanceOf(type);
				assertThat(((HasMetadata) parsed).getMetadata().getLabels())
					.as("%s labels", manifest)
					.containsEntry("app.kubernetes.io/part-of", "kiln")
					.containsEntry("app.kubernetes.io/instance", RenderedChart.RELEASE);
			}
			else {
				assertThat(isCustom(manifest) || MONITORING.contains(manifest.kind()))
					.as("%s is a kind the tests know", manifest)
					.isTrue();
				assertThat(parsed).as("%s", manifest).isInstanceOf(GenericKubernetesResource.class);
			}
		}
		for (Manifest manifest : chart.documents()) {
			Class<? extends HasMetadata> type = TYPED.get(manifest.kind());
			if (type != null) {
				HasMetadata typed = Serialization.unmarshal(manifest.yaml(), type);
				assertThat(RenderedChart.unknownFields(typed)).as("unknown fields of %s", manifest).isEmpty();
			}
		}
		for (Manifest manifest : chart.ofKind("Deployment")) {
			Deployment deployment = Serialization.unmarshal(manifest.yaml(), Deployment.class);
			PodSpec pod = deployment.getSpec().getTemplate().getSpec();
			assertThat(deployment.getAdditionalProperties()).as("unknown fields of %s", manifest).isEmpty();
			assertThat(deployment.getSpec().getAdditionalProperties()).as("unknown spec fields of %s", manifest).isEmpty();
			assertThat(pod.getAdditionalProperties()).as("unknown pod fields of %s", manifest).isEmpty();
			assertThat(pod.getContainers()).allSatisfy(
					(container) -> assertThat(container.getAdditionalProperties()).as("unknown container fields").isEmpty());
			assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
				.as("%s selects its own pods", manifest)
				.containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
		}
	}

	@ParameterizedTest
	@MethodSource("valueSets")
	void kedaAndKarpenterObjectsMatchTheirCrdSchemas(String valueSet) {
		List<Manifest> custom = chart(valueSet).documents().stream().filter(KilnChartTests::isCustom).toList();
		assertThat(custom).as("KEDA objects are always rendered").anyMatch((m) -> m.apiVersion().startsWith("keda.sh/"));
		for (Manifest manifest : custom) {
			assertThat(crds.covers(manifest.apiVersion(), manifest.kind()))
				.as("%s has a CRD in %s", manifest, CrdSchemas.DIRECTORY)
				.isTrue();
			assertThat(crds.validate(manifest.tree())).as("%s against its CRD schema", manifest).isEmpty();
		}
	}

	@ParameterizedTest
	@MethodSource("valueSets")
	void workerGraceIsLongerThanItsDrainTimeout(String valueSet) {
		PodTemplateSpec template = workerTemplate(chart(valueSet));
		Container worker = workerContainer(template);
		Duration drain = RenderedChart.duration(env(worker, "KILN_WORKER_DRAIN_TIMEOUT"));
		assertThat(template.getSpec().getTerminationGracePeriodSeconds()).as("grace period")
			.isGreaterThan(drain.toSeconds());
		Duration phase = RenderedChart.duration(env(worker, "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE"));
		assertThat(phase).as("Spring's shutdown phase waits for the drain").isGreaterThan(drain);
		assertThat(template.getSpec().getTerminationGracePeriodSeconds()).as("grace period covers the shutdown phase")
			.isGreaterThan(phase.toSeconds());
	}

	@ParameterizedTest
	@MethodSource("valueSets")
	void workersScaleFromZeroWithAFallback(String valueSet) {
		RenderedChart chart = chart(valueSet);
		List<Manifest> scalers = new ArrayList<>(chart.ofKind("ScaledObject"));
		scalers.addAll(chart.ofKind("ScaledJob"));
		assertThat(scalers).as("one KEDA scaler for the workers").hasSize(1);
		JsonNode spec = scalers.get(0).tree().path("spec");
		assertThat(spec.path("minReplicaCount").asInt(-1)).as("minReplicaCount").isZero();
		assertThat(spec.path("maxReplicaCount").asInt()).as("maxReplicaCount").isPositive();
		assertThat(spec.path("triggers")).as("triggers").isNotEmpty();
		if (scalers.get(0).kind().equals("ScaledObject")) {
			assertThat(spec.path("fallback").path("replicas").asInt()).as("fallback replicas").isPositive();
			assertThat(spec.path("fallback").path("failureThreshold").asInt()).as("fallback threshold").isPositive();
			assertThat(spec.path("scaleTargetRef").path("name").asString())
				.isEqualTo(RenderedChart.componentName("worker"));
			assertThat(chart.find("Deployment", RenderedChart.componentName("worker"))).isPresent()
				.hasValueSatisfying((d) -> assertThat(d.tree().path("spec").has("replicas"))
					.as("the worker Deployment leaves replicas to KEDA")
					.isFalse());
		}
	}

	@ParameterizedTest
	@MethodSource("valueSets")
	void workersHaveAGpuLimitAndTolerateTheGpuTaint(String valueSet) {
		PodTemplateSpec template = workerTemplate(chart(valueSet));
		Container worker = workerContainer(template);
		Quantity gpus = worker.getResources().getLimits().get("nvidia.com/gpu");
		assertThat(gpus).as("nvidia.com/gpu limit").isNotNull();
		assertThat(gpus.getNumericalAmount().intValue()).isPositive();
		assertThat(worker.getResources().getRequests().get("nvidia.com/gpu")).isEqualTo(gpus);
		assertThat(template.getSpec().getTolerations())
			.anyMatch((t) -> "nvidia.com/gpu".equals(t.getKey()) && "NoSchedule".equals(t.getEffect()));
	}

	@ParameterizedTest
	@MethodSource("valueSets")
	void workersMustRenderOnTheirOneGpu(String valueSet) {
		Container worker = workerContainer(workerTemplate(chart(valueSet)));
		assertThat(env(worker, "KILN_WORKER_DEVICE")).as("a worker that cannot use its GPU does not start").isEqualTo("gpu");
		assertThat(worker.getResources().getLimits().get("nvidia.com/gpu").getNumericalAmount().intValue())
			.as("one render slot, one GPU")
			.isEqualTo(1);
	}

	@Test
	void refusesMoreThanOneGpuPerWorker() {
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("two-gpus", Map.of("worker.gpu.count", "2"), List.of()))
			.withMessageContaining("worker.gpu.count must be 1")
			.withMessageContaining("one job at a time");
	}

	@Test
	void refusesABottlerocketPinWhoseNvidiaDriverPredatesCuda128() {
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("old-bottlerocket",
					Map.of("karpenter.nodeClass.amiAlias", "bottlerocket@v1.37.2"), List.of()))
			.withMessageContaining("older than bottlerocket@v1.38.0")
			.withMessageContaining("driver 570");
		for (String pin : List.of("bottlerocket@v1.38.0", "bottlerocket@v1.40.0", "bottlerocket@v2.0.0")) {
			RenderedChart chart = RenderedChart.render("pin-" + pin, Map.of("karpenter.nodeClass.amiAlias", pin), List.of());
			assertThat(chart.find("EC2NodeClass", RenderedChart.componentName("gpu")).orElseThrow().tree()
				.path("spec").path("amiSelectorTerms").get(0).path("alias").asString()).isEqualTo(pin);
		}
		RenderedChart noKarpenter = RenderedChart.render("old-pin-no-karpenter",
				Map.of("karpenter.enabled", "false", "karpenter.nodeClass.amiAlias", "bottlerocket@v1.20.0"), List.of());
		assertThat(noKarpenter.ofKind("EC2NodeClass")).isEmpty();
	}

	@ParameterizedTest
	@MethodSource("valueSets")
	void everyImageIsPinnedAndNoneIsLatest(String valueSet) {
		List<PodTemplateSpec> templates = new ArrayList<>(podTemplates(chart(valueSet)));
		for (Manifest pod : chart(valueSet).ofKind("Pod")) {
			Pod test = Serialization.unmarshal(pod.yaml(), Pod.class);
			templates.add(new PodTemplateSpec(test.getMetadata(), test.getSpec()));
		}
		for (PodTemplateSpec template : templates) {
			List<Container> containers = new ArrayList<>(template.getSpec().getContainers());
			containers.addAll(template.getSpec().getInitContainers());
			for (Container container : containers) {
				String image = container.getImage();
				String afterRegistry = image.substring(image.lastIndexOf('/') + 1);
				assertThat(afterRegistry).as("image %s has a tag", image).contains(":");
				assertThat(afterRegistry).as("image %s", image).doesNotEndWith(":latest");
			}
		}
	}

	@ParameterizedTest
	@MethodSource("valueSets")
	void everyPodIsHardenedAndProbedOnActuatorHealthGroups(String valueSet) {
		for (PodTemplateSpec template : podTemplates(chart(valueSet))) {
			PodSpec pod = template.getSpec();
			assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
			assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
			assertThat(pod.getVolumes()).as("a writable /tmp").anyMatch((v) -> v.getName().equals("tmp"));
			List<Container> containers = new ArrayList<>(pod.getContainers());
			containers.addAll(pod.getInitContainers());
			for (Container container : containers) {
				var security = container.getSecurityContext();
				if (container.getName().equals(MODEL_CACHE_OWNER)) {
					assertThat(security.getRunAsUser()).isZero();
					assertThat(security.getCapabilities().getAdd()).as("root with CHOWN only").containsExactly("CHOWN");
					assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
					assertThat(security.getAllowPrivilegeEscalation()).isFalse();
					assertThat(security.getReadOnlyRootFilesystem()).isTrue();
					continue;
				}
				assertThat(security.getRunAsNonRoot()).as("%s runAsNonRoot", container.getName()).isTrue();
				assertThat(security.getReadOnlyRootFilesystem()).as("%s read-only root", container.getName()).isTrue();
				assertThat(security.getAllowPrivilegeEscalation()).isFalse();
				assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
				assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
			}
			for (Container container : pod.getContainers()) {
				assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
				assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
				assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
				assertThat(container.getResources().getLimits()).containsKey("memory");
			}
		}
	}

	@Test
	void defaultsScaleOnTheAdvisorsExternalScaler() {
		RenderedChart chart = chart("defaults");
		JsonNode trigger = chart.ofKind("ScaledObject").get(0).tree().path("spec").path("triggers").get(0);
		assertThat(trigger.path("type").asString()).isEqualTo("external");
		String advisor = RenderedChart.componentName("advisor");
		assertThat(trigger.path("metadata").path("scalerAddress").asString())
			.isEqualTo(advisor + "." + RenderedChart.NAMESPACE + ".svc:9090");
		Service service = Serialization.unmarshal(chart.find("Service", advisor).orElseThrow().yaml(), Service.class);
		assertThat(service.getSpec().getPorts()).anyMatch((p) -> p.getName().equals("grpc") && p.getPort() == 9090);
		assertThat(chart.ofKind("TriggerAuthentication")).isEmpty();
		assertThat(chart.ofKind("ServiceMonitor")).isEmpty();
	}

	@Test
	void nativeSqsTriggerWatchesEveryLaneIncludingInFlightMessages() {
		RenderedChart chart = chart("native-sqs");
		JsonNode triggers = chart.ofKind("ScaledObject").get(0).tree().path("spec").path("triggers");
		assertThat(triggers).hasSize(3);
		List<String> urls = new ArrayList<>();
		for (JsonNode trigger : triggers) {
			assertThat(trigger.path("type").asString()).isEqualTo("aws-sqs-queue");
			assertThat(trigger.path("metadata").path("scaleOnInFlight").asString()).isEqualTo("true");
			assertThat(trigger.path("authenticationRef").path("name").asString())
				.isEqualTo(RenderedChart.componentName("worker"));
			urls.add(trigger.path("metadata").path("queueURL").asString());
		}
		assertThat(urls).containsExactly("https://sqs.us-east-1.amazonaws.com/123456789012/kiln-jobs-interactive",
				"https://sqs.us-east-1.amazonaws.com/123456789012/kiln-jobs-standard",
				"https://sqs.us-east-1.amazonaws.com/123456789012/kiln-jobs-batch");
		assertThat(chart.ofKind("TriggerAuthentication")).singleElement()
			.satisfies((auth) -> assertThat(auth.tree().path("spec").path("podIdentity").path("provider").asString())
				.isEqualTo("aws"));
		assertThat(chart.ofKind("ServiceAccount"))
			.allSatisfy((sa) -> assertThat(sa.tree().path("metadata").path("annotations").has("eks.amazonaws.com/role-arn"))
				.as("Pod Identity needs no IRSA annotation")
				.isFalse());
	}

	@Test
	void scaledJobModeStartsOneJobPerMessageAndHasNoWorkerDeployment() {
		RenderedChart chart = chart("scaled-job");
		assertThat(chart.find("Deployment", RenderedChart.componentName("worker"))).isEmpty();
		assertThat(chart.ofKind("ScaledObject")).isEmpty();
		JsonNode job = chart.ofKind("ScaledJob").get(0).tree().path("spec").path("jobTargetRef");
		assertThat(job.path("template").path("spec").path("restartPolicy").asString()).isEqualTo("Never");
		assertThat(env(workerContainer(workerTemplate(chart)), "KILN_WORKER_MAX_JOBS")).isEqualTo("1");
	}

	@Test
	void karpenterObjectsFollowTheGpuNodePoolDesign() {
		RenderedChart chart = chart("defaults");
		JsonNode nodePool = chart.find("NodePool", RenderedChart.componentName("gpu")).orElseThrow().tree().path("spec");
		assertThat(nodePool.path("disruption").path("consolidationPolicy").asString()).isEqualTo("WhenEmpty");
		assertThat(nodePool.path("disruption").path("consolidateAfter").asString()).isNotEmpty();
		assertThat(nodePool.path("disruption").path("budgets")).isNotEmpty();
		assertThat(nodePool.path("limits").path("nvidia.com/gpu").asString()).isNotEmpty();
		assertThat(nodePool.path("template").path("spec").path("taints").toString()).contains("nvidia.com/gpu");
		String requirements = nodePool.path("template").path("spec").path("requirements").toString();
		assertThat(requirements).contains("\"g5\"", "\"g6\"", "\"g6e\"", "\"spot\"", "\"on-demand\"");
		JsonNode nodeClass = chart.find("EC2NodeClass", RenderedChart.componentName("gpu")).orElseThrow().tree().path("spec");
		assertThat(nodeClass.path("amiSelectorTerms").get(0).path("alias").asString()).startsWith("bottlerocket@");
		assertThat(nodeClass.path("metadataOptions").path("httpTokens").asString()).isEqualTo("required");
		assertThat(nodeClass.path("blockDeviceMappings")).hasSize(2);
		assertThat(workerTemplate(chart).getSpec().getAffinity().getNodeAffinity().toString())
			.contains("karpenter.sh/nodepool", RenderedChart.componentName("gpu"));

		JsonNode production = chart("production").find("EC2NodeClass", RenderedChart.componentName("gpu"))
			.orElseThrow().tree().path("spec");
		assertThat(production.path("blockDeviceMappings").get(1).path("ebs").path("snapshotID").asString())
			.isEqualTo("snap-0123456789abcdef0");
	}

	@Test
	void karpenterOffRendersNoNodePoolAndNoNodePoolAffinity() {
		RenderedChart chart = chart("karpenter-off");
		assertThat(chart.ofKind("NodePool")).isEmpty();
		assertThat(chart.ofKind("EC2NodeClass")).isEmpty();
		assertThat(workerTemplate(chart).getSpec().getAffinity()).isNull();
	}

	@Test
	void productionValuesWireRolesModelsAndSpotNotices() {
		RenderedChart chart = chart("production");
		ServiceAccount worker = Serialization.unmarshal(
				chart.find("ServiceAccount", RenderedChart.componentName("worker")).orElseThrow().yaml(),
				ServiceAccount.class);
		assertThat(worker.getMetadata().getAnnotations()).containsEntry("eks.amazonaws.com/role-arn",
				"arn:aws:iam::123456789012:role/kiln-worker");
		PodTemplateSpec template = workerTemplate(chart);
		assertThat(template.getSpec().getVolumes()).anyMatch((v) -> v.getName().equals("models") && v.getHostPath() != null);
		Container container = workerContainer(template);
		JsonNode models = JSON.readTree(env(container, "SPRING_APPLICATION_JSON"));
		assertThat(models.path("kiln").path("worker").path("models").path("sd15").path("location").asString())
			.isEqualTo("s3://kiln-models/sd15");
		assertThat(env(container, "KILN_WORKER_SPOT_ENABLED")).isEqualTo("true");
		JsonNode nodeClass = chart.find("EC2NodeClass", RenderedChart.componentName("gpu")).orElseThrow().tree();
		assertThat(nodeClass.path("spec").path("metadataOptions").path("httpPutResponseHopLimit").asInt())
			.as("pods reach IMDSv2 for spot notices")
			.isEqualTo(2);
		assertThat(container.getImage())
			.isEqualTo("123456789012.dkr.ecr.us-east-1.amazonaws.com/kiln/generation-worker-cu128:0.1.0");
		assertThat(container.getEnv()).anyMatch((e) -> e.getName().equals("SPRING_DATA_REDIS_PASSWORD")
				&& e.getValueFrom().getSecretKeyRef().getName().equals("kiln-redis"));
	}

	@Test
	void prometheusRuleCoversTheOperatingRisks() {
		Manifest rule = chart("native-sqs").ofKind("PrometheusRule").get(0);
		List<String> alerts = new ArrayList<>();
		for (JsonNode group : rule.tree().path("spec").path("groups")) {
			for (JsonNode r : group.path("rules")) {
				alerts.add(r.path("alert").asString());
				assertThat(r.path("expr").asString()).as("%s expression", r.path("alert")).isNotBlank();
			}
		}
		assertThat(alerts).contains("KilnBacklogTooOld", "KilnDeadLetters", "KilnJobsNotEnqueued", "KilnSpendNearCap", "KilnWorkerFailureRate",
				"KilnAdvisorInputsStale", "KilnSpotInterruptions", "KilnWorkerOnCpu");
		assertThat(alerts.stream().filter("KilnBacklogTooOld"::equals)).as("one backlog alert per lane").hasSize(3);
		assertThat(chart("native-sqs").ofKind("ServiceMonitor")).hasSize(4);
	}

	@Test
	void dashboardIsShippedAsAConfigMapWithTheKeyPanels() {
		Manifest manifest = chart("defaults").ofKind("ConfigMap").get(0);
		ConfigMap map = Serialization.unmarshal(manifest.yaml(), ConfigMap.class);
		assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
		JsonNode dashboard = JSON.readTree(map.getData().get("kiln.json"));
		List<String> titles = new ArrayList<>();
		dashboard.path("panels").forEach((panel) -> titles.add(panel.path("title").asString()));
		assertThat(dashboard.toString()).doesNotContain("{{ .").contains("kiln_lane_oldest_waiting_age_seconds");
		assertThat(titles).contains("Queue depth per lane", "Desired vs actual workers",
				"Render seconds (p50, p95) per model", "GPU cost per hour", "Cost per image (last hour)");
	}

	@Test
	void refusesAGracePeriodNotLongerThanTheDrainTimeout() {
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("short-grace",
					Map.of("worker.drainTimeout", "2m", "worker.terminationGracePeriodSeconds", "120"), List.of()))
			.withMessageContaining("must be greater than worker.drainTimeout");
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("grace-within-release",
					Map.of("worker.drainTimeout", "2m", "worker.terminationGracePeriodSeconds", "135"), List.of()))
			.withMessageContaining("release unfinished jobs");
		RenderedChart longer = RenderedChart.render("long-grace",
				Map.of("worker.drainTimeout", "2m", "worker.terminationGracePeriodSeconds", "150"), List.of());
		assertThat(workerTemplate(longer).getSpec().getTerminationGracePeriodSeconds()).isEqualTo(150L);
		RenderedChart computed = RenderedChart.render("computed-grace", Map.of("worker.drainTimeout", "5m"), List.of());
		assertThat(workerTemplate(computed).getSpec().getTerminationGracePeriodSeconds()).isEqualTo(330L);
	}

	@Test
	void refusesSilentMisconfigurations() {
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("latest", Map.of("image.tag", "latest"), List.of()))
			.withMessageContaining("image/tag");
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("misspelt", Map.of("karpenter.interruptionQueu", "kiln"), List.of()))
			.withMessageContaining("interruptionQueu");
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("create", Map.of("queues.create", "true"), List.of()))
			.withMessageContaining("creates no AWS resources");
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("no-fallback", Map.of("worker.autoscaling.fallback.replicas", "0"),
					List.of()))
			.withMessageContaining("fallback/replicas");
		assertThatIllegalStateException()
			.isThrownBy(() -> RenderedChart.render("no-gpu", Map.of("worker.gpu.count", "0"), List.of()))
			.withMessageContaining("gpu/count");
	}

	@Test
	void typedParsingCatchesAMisnamedFieldDeepInAnObject() {
		Manifest gateway = chart("defaults").find("Deployment", RenderedChart.componentName("gateway")).orElseThrow();
		var tree = (tools.jackson.databind.node.ObjectNode) gateway.tree().deepCopy();
		var container = (tools.jackson.databind.node.ObjectNode) tree.path("spec").path("template").path("spec")
			.path("containers").get(0);
		container.putObject("lifecycle").putObject("preStop").putObject("slep").put("seconds", 5);
		Deployment typed = Serialization.unmarshal(tree.toString(), Deployment.class);
		assertThat(RenderedChart.unknownFields(typed)).singleElement().asString().contains("PreStop").contains("slep");
		assertThat(RenderedChart.unknownFields(Serialization.unmarshal(gateway.yaml(), Deployment.class))).isEmpty();
	}

	@Test
	void crdValidationCatchesAMisnamedOrInvalidField() {
		Manifest nodePool = chart("defaults").ofKind("NodePool").get(0);
		var tree = (tools.jackson.databind.node.ObjectNode) nodePool.tree().deepCopy();
		((tools.jackson.databind.node.ObjectNode) tree.path("spec").path("disruption")).put("consolidationPolicy",
				"WhenIdle");
		((tools.jackson.databind.node.ObjectNode) tree.path("spec")).put("interruptionQueue", "kiln");
		assertThat(crds.validate(tree)).hasSizeGreaterThanOrEqualTo(2)
			.anyMatch((error) -> error.contains("consolidationPolicy"))
			.anyMatch((error) -> error.contains("interruptionQueue"));
	}

	private static boolean isCustom(Manifest manifest) {
		return CUSTOM_GROUPS.stream().anyMatch(manifest.apiVersion()::startsWith);
	}

	private static PodTemplateSpec workerTemplate(RenderedChart chart) {
		return Serialization.unmarshal(chart.workerPodTemplate().toString(), PodTemplateSpec.class);
	}

	private static List<PodTemplateSpec> podTemplates(RenderedChart chart) {
		return chart.podTemplates()
			.stream()
			.map((node) -> Serialization.unmarshal(node.toString(), PodTemplateSpec.class))
			.toList();
	}

	private static Container workerContainer(PodTemplateSpec template) {
		return template.getSpec()
			.getContainers()
			.stream()
			.filter((c) -> c.getName().equals("worker"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no worker container"));
	}

	private static String env(Container container, String name) {
		return container.getEnv()
			.stream()
			.filter((e) -> e.getName().equals(name))
			.map((e) -> e.getValue())
			.findFirst()
			.orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
	}

}
