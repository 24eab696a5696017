package dev.kiln.cdk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.marcnuri.helm.Helm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import dev.kiln.deploy.testing.CrdSchemas;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders the Kiln chart with the values the CDK app passes ({@link KilnValues#toMap}, here with sample strings in
 * place of the CloudFormation tokens the stack resolves at deploy time) and validates the result as the chart tests
 * do: it renders, every KEDA/Karpenter object is valid against the vendored CRDs, and the objects name what the stack
 * created (service accounts bound by the Pod Identity associations, queue prefix, bucket, node role).
 */
class KilnChartValuesTests {

	private static final YAMLMapper YAML = YAMLMapper.builder().build();

	private static final Pattern SEPARATOR = Pattern.compile("(?m)^---\\s*$");

	private static final KilnTopology TOPOLOGY = KilnTopology.of(KilnStacks.environment(JobStore.Flavour.MEMORYDB)
		.topologyArguments());

	private static List<JsonNode> memoryDb;

	private static List<JsonNode> elastiCache;

	/** MemoryDB values with KEDA's native SQS trigger, which reads the queues with the stack's KEDA role. */
	private static List<JsonNode> nativeSqs;

	@BeforeAll
	static void render(@TempDir Path directory) throws Exception {
		memoryDb = render(directory.resolve("memorydb.yaml"), values(JobStore.Flavour.MEMORYDB));
		elastiCache = render(directory.resolve("elasticache.yaml"),
				values(JobStore.Flavour.ELASTICACHE, List.of("subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb")));
		Map<String, Object> withNativeTrigger = new LinkedHashMap<>(values(JobStore.Flavour.MEMORYDB).toMap());
		withNativeTrigger.put("worker", Map.of("autoscaling", Map.of("trigger", "aws-sqs-queue")));
		nativeSqs = render(directory.resolve("native-sqs.yaml"), withNativeTrigger);
	}

	static KilnValues values(JobStore.Flavour flavour) {
		return values(flavour, List.of());
	}

	static KilnValues values(JobStore.Flavour flavour, List<String> subnetIds) {
		return new KilnValues("123456789012.dkr.ecr.us-east-1.amazonaws.com/", "0.1.0", "us-east-1", "123456789012",
				TOPOLOGY, "clustercfg.kiln-test.abc123.memorydb.us-east-1.amazonaws.com", flavour,
				"KarpenterNodeRole-kiln-test", "kiln-test", subnetIds, "sg-0123456789abcdef0", "bottlerocket@v1.40.0",
				"snap-0123456789abcdef0");
	}

	private static List<JsonNode> render(Path file, KilnValues values) throws Exception {
		return render(file, values.toMap());
	}

	private static List<JsonNode> render(Path file, Map<String, Object> values) throws Exception {
		Files.writeString(file, YAML.writeValueAsString(values));
		String output = new Helm(KilnStacks.CHART).template()
			.withName(KilnValues.RELEASE)
			.withNamespace(KilnValues.NAMESPACE)
			.withKubeVersion("1.33.0")
			.withValuesFile(file)
			.call();
		List<JsonNode> documents = new ArrayList<>();
		for (String text : SEPARATOR.split(output)) {
			if (text.lines().anyMatch((line) -> !line.isBlank() && !line.startsWith("#"))) {
				documents.add(YAML.readTree(text));
			}
		}
		return documents;
	}

	@Test
	void customResourcesAreValidAgainstTheVendoredCrds() {
		CrdSchemas schemas = CrdSchemas.load();
		for (List<JsonNode> documents : List.of(memoryDb, elastiCache, nativeSqs)) {
			List<JsonNode> custom = documents.stream().filter(schemas::coversGroup).toList();
			assertThat(custom).extracting((object) -> object.path("kind").asString())
				.contains("ScaledObject", "NodePool", "EC2NodeClass");
			for (JsonNode object : custom) {
				assertThat(schemas.validate(object)).as("%s %s", object.path("kind").asString(),
						object.path("metadata").path("name").asString())
					.isEmpty();
			}
		}
	}

	@Test
	void serviceAccountsAreTheOnesThePodIdentityAssociationsName() {
		List<String> accounts = ofKind(memoryDb, "ServiceAccount").stream()
			.map((account) -> account.path("metadata").path("name").asString())
			.toList();
		for (ServiceRoles.Service service : ServiceRoles.Service.values()) {
			assertThat(accounts).contains(KilnValues.serviceAccount(service));
		}
		// with Pod Identity the chart must not ask for IRSA
		for (JsonNode account : ofKind(memoryDb, "ServiceAccount")) {
			assertThat(account.path("metadata").path("annotations").has("eks.amazonaws.com/role-arn")).isFalse();
		}
	}

	@Test
	void servicesGetTheStacksQueuesBucketAndJobStore() {
		for (JsonNode deployment : ofKind(memoryDb, "Deployment")) {
			Map<String, String> env = env(deployment.path("spec").path("template"));
			assertThat(env).containsEntry("KILN_QUEUES_PREFIX", TOPOLOGY.prefix())
				.containsEntry("KILN_STORAGE_BUCKET", TOPOLOGY.bucket())
				.containsEntry("SPRING_DATA_REDIS_SSL_ENABLED", "true")
				.containsEntry("SPRING_DATA_REDIS_USERNAME", JobStore.USER)
				.containsEntry("SPRING_DATA_REDIS_CLUSTER_NODES",
						"clustercfg.kiln-test.abc123.memorydb.us-east-1.amazonaws.com:6379")
				.doesNotContainKey("SPRING_DATA_REDIS_HOST");
		}
		for (JsonNode deployment : ofKind(elastiCache, "Deployment")) {
			assertThat(env(deployment.path("spec").path("template"))).doesNotContainKey("SPRING_DATA_REDIS_CLUSTER_NODES")
				.doesNotContainKey("SPRING_DATA_REDIS_USERNAME")
				.containsEntry("SPRING_DATA_REDIS_SSL_ENABLED", "true")
				.containsEntry("SPRING_DATA_REDIS_HOST", "clustercfg.kiln-test.abc123.memorydb.us-east-1.amazonaws.com");
		}
	}

	@Test
	void kedasNativeSqsTriggerReadsTheQueuesWithTheRoleTheStackGivesKeda() {
		// Pod Identity: KEDA's own role (ServiceRoles.keda, associated with keda/keda-operator); the worker's role has no
		// sqs:GetQueueAttributes and KEDA could not find it without an IRSA annotation anyway
		List<JsonNode> auths = ofKind(nativeSqs, "TriggerAuthentication");
		assertThat(auths).hasSize(1);
		assertThat(auths.get(0).path("spec").path("podIdentity").path("provider").asString()).isEqualTo("aws");
		assertThat(auths.get(0).path("spec").path("podIdentity").path("identityOwner").asString()).isEqualTo("keda");
		assertThat(ofKind(nativeSqs, "ScaledObject").get(0).path("spec").path("triggers"))
			.allSatisfy((trigger) -> assertThat(trigger.path("type").asString()).isEqualTo("aws-sqs-queue"));
	}

	@Test
	void theAdvisorsGrpcPortAdmitsTheNamespaceTheStackInstallsKedaInto() {
		JsonNode advisor = ofKind(memoryDb, "NetworkPolicy").stream()
			.filter((policy) -> policy.path("metadata").path("name").asString().equals(KilnValues.RELEASE + "-advisor"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no advisor NetworkPolicy"));
		List<String> grpcPeers = new ArrayList<>();
		for (JsonNode rule : advisor.path("spec").path("ingress")) {
			if (rule.path("ports").toString().contains("grpc")) {
				rule.path("from").forEach((peer) -> grpcPeers.add(peer.path("namespaceSelector").path("matchLabels")
					.path("kubernetes.io/metadata.name").asString()));
			}
		}
		assertThat(grpcPeers).containsExactly(KilnStack.KEDA_NAMESPACE);
	}

	@Test
	void karpenterNodesUseTheStacksRoleSubnetsSecurityGroupAndSnapshot() {
		JsonNode nodeClass = ofKind(memoryDb, "EC2NodeClass").get(0).path("spec");
		assertThat(nodeClass.path("role").asString()).isEqualTo("KarpenterNodeRole-kiln-test");
		assertThat(nodeClass.path("subnetSelectorTerms").get(0).path("tags").path(KilnStack.DISCOVERY_TAG).asString())
			.isEqualTo("kiln-test");
		assertThat(nodeClass.path("securityGroupSelectorTerms").get(0).path("id").asString())
			.isEqualTo("sg-0123456789abcdef0");
		assertThat(nodeClass.path("amiSelectorTerms").get(0).path("alias").asString()).isEqualTo("bottlerocket@v1.40.0");
		assertThat(nodeClass.toString()).contains("snap-0123456789abcdef0");
	}

	@Test
	void anExistingVpcsSubnetsAreSelectedById() {
		JsonNode terms = ofKind(elastiCache, "EC2NodeClass").get(0).path("spec").path("subnetSelectorTerms");
		assertThat(terms).extracting((term) -> term.path("id").asString())
			.containsExactly("subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb");
	}

	private static List<JsonNode> ofKind(List<JsonNode> documents, String kind) {
		return documents.stream().filter((object) -> object.path("kind").asString().equals(kind)).toList();
	}

	private static Map<String, String> env(JsonNode podTemplate) {
		Map<String, String> env = new java.util.HashMap<>();
		for (JsonNode container : podTemplate.path("spec").path("containers")) {
			for (JsonNode variable : container.path("env")) {
				if (variable.has("value")) {
					env.put(variable.path("name").asString(), variable.path("value").asString());
				}
			}
		}
		return env;
	}

}
