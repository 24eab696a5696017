package dev.kiln.cdk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.SynthesisMessage;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Assertions on the synthesized template of one environment (MemoryDB job store). The stack is synthesized once per
 * JVM: jsii starts one Node.js process and a synth stages the kubectl layer and chart assets.
 */
class KilnStackTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** The topology the queue-service prints with its defaults (QueueServiceProperties) and the test's bucket. */
	private static final KilnTopology TOPOLOGY = KilnTopology.of(KilnStacks.environment(JobStore.Flavour.MEMORYDB)
		.topologyArguments());

	/** An IAM action in the README: {@code `service:Action`}, the action name capitalised. */
	private static final Pattern IAM_ACTION = Pattern.compile("`([a-z0-9]+:[A-Z][A-Za-z]+)`");

	private static KilnStacks.Synthesized synthesized;

	private static Template template;

	private static Map<String, Map<String, Object>> resources;

	@BeforeAll
	@SuppressWarnings("unchecked")
	static void synthesize() {
		long start = System.nanoTime();
		synthesized = KilnStacks.memoryDb();
		template = synthesized.template();
		resources = (Map<String, Map<String, Object>>) template.toJSON().get("Resources");
		System.out.printf("KilnStackTests: synthesized %s in %.1f s%n", synthesized.stack().getStackName(),
				(System.nanoTime() - start) / 1e9);
	}

	@Test
	void cdkNagReportsNoUnsuppressedError() {
		List<SynthesisMessage> errors = Annotations.fromStack(synthesized.stack())
			.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
		assertThat(errors).extracting((message) -> message.getId() + " " + message.getEntry().getData()).isEmpty();
	}

	@Test
	void everyNagSuppressionGivesAReason() {
		List<String> unjustified = new ArrayList<>();
		for (Map.Entry<String, Map<String, Object>> resource : resources.entrySet()) {
			Object metadata = resource.getValue().get("Metadata");
			if (metadata instanceof Map<?, ?> map && map.get("cdk_nag") instanceof Map<?, ?> nag) {
				for (Object rule : (List<?>) nag.get("rules_to_suppress")) {
					Object reason = ((Map<?, ?>) rule).get("reason");
					if (!(reason instanceof String text) || text.length() < 40) {
						unjustified.add(resource.getKey() + " " + ((Map<?, ?>) rule).get("id"));
					}
				}
			}
		}
		assertThat(unjustified).isEmpty();
	}

	@Test
	void everyQueueOfTheTopologyExistsWithItsRedriveAndVisibility() {
		assertThat(TOPOLOGY.queues()).hasSize(4);
		// 3 lanes + events, each with its dead-letter queue; the only other queue is Karpenter's interruption queue
		Set<Object> names = new TreeSet<>();
		resourcesOfType("AWS::SQS::Queue").values().forEach((queue) -> names.add(properties(queue).get("QueueName")));
		assertThat(names).containsExactlyInAnyOrder("kiln-jobs-interactive", "kiln-jobs-interactive-dlq",
				"kiln-jobs-standard", "kiln-jobs-standard-dlq", "kiln-jobs-batch", "kiln-jobs-batch-dlq", "kiln-events",
				"kiln-events-dlq", "kiln-test-karpenter");
		for (KilnTopology.WorkQueue work : TOPOLOGY.queues()) {
			String deadLetters = logicalIdOfQueue(work.deadLetterQueue());
			Map<String, Object> queue = properties(resources.get(logicalIdOfQueue(work.name())));
			// queue-service defaults (QueueServiceProperties.Queues): 120 s visibility, 4 d retention, 3 receives
			assertThat(queue).containsEntry("VisibilityTimeout", 120)
				.containsEntry("MessageRetentionPeriod", 4 * 24 * 3600)
				.containsEntry("RedrivePolicy",
						Map.of("deadLetterTargetArn", Map.of("Fn::GetAtt", List.of(deadLetters, "Arn")),
								"maxReceiveCount", 3))
				.containsEntry("SqsManagedSseEnabled", true);
			// SQS's longest retention, so nothing expires before someone looks at it
			assertThat(properties(resources.get(deadLetters))).containsEntry("MessageRetentionPeriod", 14 * 24 * 3600)
				.doesNotContainKey("RedrivePolicy");
		}
		assertThat(TOPOLOGY.jobsQueues()).extracting(KilnTopology.WorkQueue::name)
			.containsExactly("kiln-jobs-interactive", "kiln-jobs-standard", "kiln-jobs-batch");
	}

	@Test
	void eachServiceRoleAllowsExactlyTheActionsItsCodeCalls() {
		Map<String, Map<String, Set<String>>> expected = new LinkedHashMap<>();
		expected.put("gateway", Map.of("SendJobs", Set.of("sqs:GetQueueUrl", "sqs:SendMessage"), "PresignOutputs",
				Set.of("s3:GetObject"), "DecryptOutputs", Set.of("kms:Decrypt")));
		expected.put("queue-service", Map.of("ConsumeEvents",
				Set.of("sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage"), "HandleDeadLetters",
				Set.of("sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
						"sqs:GetQueueAttributes"),
				"SendAndWatchJobs", Set.of("sqs:GetQueueUrl", "sqs:SendMessage", "sqs:GetQueueAttributes"), "ListOutputs",
				Set.of("s3:ListBucket"), "DeleteExpiredOutputs", Set.of("s3:DeleteObject")));
		expected.put("advisor", Map.of("ReadLaneDepth", Set.of("sqs:GetQueueUrl", "sqs:GetQueueAttributes")));
		expected.put("worker", Map.of("ConsumeJobs",
				Set.of("sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"),
				"PublishEvents", Set.of("sqs:GetQueueUrl", "sqs:SendMessage"), "WriteOutputs",
				Set.of("s3:PutObject", "s3:GetObject", "s3:DeleteObject"), "EncryptOutputs",
				Set.of("kms:GenerateDataKey", "kms:Decrypt")));
		expected.put("keda", Map.of("ReadLaneDepth", Set.of("sqs:GetQueueAttributes")));
		for (Map.Entry<String, Map<String, Set<String>>> role : expected.entrySet()) {
			assertThat(actionsBySid(role("kiln-test-" + role.getKey()))).as(role.getKey()).isEqualTo(role.getValue());
		}
	}

	@Test
	void theReadmesIamTableIsWhatTheRolesAllow() throws Exception {
		Map<String, Map<String, Set<String>>> table = iamTable(Files.readString(Path.of("README.md")));
		assertThat(table).containsOnlyKeys("gateway", "queue-service", "advisor", "worker", "keda");
		for (Map.Entry<String, Map<String, Set<String>>> role : table.entrySet()) {
			assertThat(role.getValue()).as("README IAM table, role %s", role.getKey())
				.isEqualTo(actionsBySid(role("kiln-test-" + role.getKey())));
		}
	}

	@Test
	void theIamTableParserSeesAMissingAction() {
		String table = """
				| Role (`kiln-<env>-…`) | Statement | Actions | Resources | Code |
				|---|---|---|---|---|
				| gateway | SendJobs | `sqs:SendMessage` | jobs queues | `JobPublisher` |
				| | PresignOutputs | `s3:GetObject` (condition `s3:prefix` = `jobs/*`) | `bucket/jobs/*` | `ImageLinks` |
				""";
		assertThat(iamTable(table)).isEqualTo(Map.of("gateway",
				Map.of("SendJobs", Set.of("sqs:SendMessage"), "PresignOutputs", Set.of("s3:GetObject"))));
		assertThat(iamTable(table).get("gateway")).isNotEqualTo(actionsBySid(role("kiln-test-gateway")));
	}

	@Test
	void serviceRolesNameOnlyKilnsQueuesBucketAndKey() {
		Set<String> jobs = logicalIds(TOPOLOGY.jobsQueues().stream().map(KilnTopology.WorkQueue::name).toList());
		Map<String, Object> gateway = statements(role("kiln-test-gateway")).get("SendJobs");
		assertThat(arnTargets(gateway)).isEqualTo(jobs);
		Map<String, Object> advisor = statements(role("kiln-test-advisor")).get("ReadLaneDepth");
		assertThat(arnTargets(advisor)).isEqualTo(jobs);
		Map<String, Object> worker = statements(role("kiln-test-worker")).get("PublishEvents");
		assertThat(arnTargets(worker)).containsExactly(logicalIdOfQueue(TOPOLOGY.eventsQueue().name()));
		String listing = JSON.writeValueAsString(statements(role("kiln-test-queue-service")).get("ListOutputs"));
		assertThat(listing).contains("\"s3:prefix\":\"jobs/*\"");
	}

	@Test
	void noRoleOfTheStackHasAWildcardAction() {
		for (Map.Entry<String, Map<String, Object>> role : resourcesOfType("AWS::IAM::Role").entrySet()) {
			if (role.getKey().contains("KubectlProvider")) {
				continue; // aws-cdk-lib's own handler; see NagSuppressionsForKiln
			}
			for (Map<String, Object> statement : statements(role.getValue()).values()) {
				assertThat(actions(statement)).as(role.getKey()).allSatisfy((action) -> assertThat(action).doesNotContain("*"));
			}
		}
	}

	@Test
	void jobStoreKeepsJobRecordsAsListpacksBehindTlsAndASecret() {
		template.hasResourceProperties("AWS::MemoryDB::ParameterGroup",
				Map.of("Family", "memorydb_valkey7", "Parameters", Map.of("hash-max-listpack-value", "1024")));
		template.hasResourceProperties("AWS::MemoryDB::Cluster", Map.of("TLSEnabled", true, "NumShards", 1,
				"NumReplicasPerShard", 1, "Engine", "valkey", "Port", JobStore.PORT));
		Map<String, Object> user = properties(resourcesOfType("AWS::MemoryDB::User").values().iterator().next());
		assertThat(JSON.writeValueAsString(user.get("AuthenticationMode"))).contains("{{resolve:secretsmanager:");
	}

	@Test
	void theVpcCniEnforcesTheChartsNetworkPolicies() {
		template.hasResourceProperties("AWS::EKS::Addon", Map.of("AddonName", "vpc-cni", "ConfigurationValues",
				Match.serializedJson(Map.of("enableNetworkPolicy", "true"))));
	}

	@Test
	void podIdentityAgentAndOneAssociationPerServiceAccount() {
		template.hasResourceProperties("AWS::EKS::Addon", Map.of("AddonName", "eks-pod-identity-agent"));
		Map<String, String> roleByAccount = new HashMap<>();
		for (Map<String, Object> association : resourcesOfType("AWS::EKS::PodIdentityAssociation").values()) {
			Map<String, Object> properties = properties(association);
			@SuppressWarnings("unchecked")
			List<Object> roleArn = (List<Object>) ((Map<String, Object>) properties.get("RoleArn")).get("Fn::GetAtt");
			roleByAccount.put(properties.get("Namespace") + "/" + properties.get("ServiceAccount"),
					roleName(roleArn.get(0).toString()));
		}
		assertThat(roleByAccount).containsOnly(Map.entry("kiln/kiln-gateway", "kiln-test-gateway"),
				Map.entry("kiln/kiln-queue-service", "kiln-test-queue-service"),
				Map.entry("kiln/kiln-advisor", "kiln-test-advisor"), Map.entry("kiln/kiln-worker", "kiln-test-worker"),
				Map.entry("keda/keda-operator", "kiln-test-keda"),
				Map.entry("kube-system/karpenter", "KarpenterController-kiln-test"));
	}

	@Test
	void karpenterInterruptionRulesFeedItsQueue() {
		String queue = logicalIdOfQueue("kiln-test-karpenter");
		Set<String> events = new TreeSet<>();
		for (Map<String, Object> rule : resourcesOfType("AWS::Events::Rule").values()) {
			Map<String, Object> properties = properties(rule);
			@SuppressWarnings("unchecked")
			Map<String, List<String>> pattern = (Map<String, List<String>>) properties.get("EventPattern");
			events.add(pattern.get("source").get(0) + " " + pattern.get("detail-type").get(0));
			assertThat(JSON.writeValueAsString(properties.get("Targets")))
				.contains("{\"Fn::GetAtt\":[\"" + queue + "\",\"Arn\"]}");
		}
		// Karpenter's interruption handling: https://karpenter.sh/docs/concepts/disruption/#interruption
		assertThat(events).containsExactlyInAnyOrder("aws.health AWS Health Event",
				"aws.ec2 EC2 Spot Instance Interruption Warning", "aws.ec2 EC2 Instance Rebalance Recommendation",
				"aws.ec2 EC2 Instance State-change Notification");
		String policy = JSON.writeValueAsString(resourcesOfType("AWS::SQS::QueuePolicy").values());
		assertThat(policy).contains("events.amazonaws.com").contains("sqs:SendMessage");
		assertThat(properties(resources.get(queue))).containsEntry("MessageRetentionPeriod", 300);
	}

	@Test
	void bucketIsPrivateKmsEncryptedAndExpiresJobOutputs() {
		Map<String, Object> bucket = properties(resourcesOfType("AWS::S3::Bucket").values()
			.stream()
			.filter((candidate) -> TOPOLOGY.bucket().equals(properties(candidate).get("BucketName")))
			.findFirst()
			.orElseThrow());
		assertThat(bucket.get("PublicAccessBlockConfiguration")).isEqualTo(Map.of("BlockPublicAcls", true,
				"BlockPublicPolicy", true, "IgnorePublicAcls", true, "RestrictPublicBuckets", true));
		assertThat(JSON.writeValueAsString(bucket.get("BucketEncryption"))).contains("\"SSEAlgorithm\":\"aws:kms\"")
			.contains("\"BucketKeyEnabled\":true");
		assertThat(JSON.writeValueAsString(bucket.get("LifecycleConfiguration"))).contains("\"Prefix\":\"jobs/\"")
			.contains("\"ExpirationInDays\":" + TOPOLOGY.expirationDays());
		assertThat(JSON.writeValueAsString(resourcesOfType("AWS::S3::BucketPolicy").values()))
			.contains("\"aws:SecureTransport\":\"false\"");
	}

	@Test
	void clusterIsEks133WithBottlerocketSystemNodes() {
		template.hasResourceProperties("AWS::EKS::Cluster", Map.of("Version", "1.33"));
		template.hasResourceProperties("AWS::EKS::Nodegroup", Map.of("AmiType", "BOTTLEROCKET_x86_64"));
		template.resourceCountIs("AWS::ECR::Repository", EcrRepositories.NAMES.size());
	}

	@Test
	void chartsAreInstalledWithTheStacksOutputs() {
		Map<String, Map<String, Object>> charts = resourcesOfType("Custom::AWSCDK-EKS-HelmChart");
		Map<String, Map<String, Object>> byRelease = new HashMap<>();
		charts.values().forEach((chart) -> byRelease.put((String) properties(chart).get("Release"), properties(chart)));
		assertThat(byRelease).containsOnlyKeys("karpenter", "keda", "kiln");
		String kiln = JSON.writeValueAsString(byRelease.get("kiln").get("Values"));
		String memoryDb = resourcesOfType("AWS::MemoryDB::Cluster").keySet().iterator().next();
		assertThat(kiln).contains(memoryDb).contains("ClusterEndpoint.Address")
			.contains(TOPOLOGY.bucket())
			.contains("podIdentity")
			.contains("KarpenterNodeRole");
		String karpenter = JSON.writeValueAsString(byRelease.get("karpenter").get("Values"));
		assertThat(karpenter).contains("kiln-test").contains(logicalIdOfQueue("kiln-test-karpenter"));
	}

	// --- template helpers

	private static Map<String, Map<String, Object>> resourcesOfType(String type) {
		Map<String, Map<String, Object>> found = new LinkedHashMap<>();
		resources.forEach((id, resource) -> {
			if (type.equals(resource.get("Type"))) {
				found.put(id, resource);
			}
		});
		return found;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> properties(Map<String, Object> resource) {
		return (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
	}

	private static String logicalIdOfQueue(String name) {
		return resourcesOfType("AWS::SQS::Queue").entrySet()
			.stream()
			.filter((queue) -> name.equals(properties(queue.getValue()).get("QueueName")))
			.map(Map.Entry::getKey)
			.findFirst()
			.orElseThrow(() -> new AssertionError("No queue named " + name));
	}

	private static Set<String> logicalIds(List<String> queueNames) {
		Set<String> ids = new TreeSet<>();
		queueNames.forEach((name) -> ids.add(logicalIdOfQueue(name)));
		return ids;
	}

	/**
	 * The IAM table of the README: role, then statement id, then its actions (the backquoted {@code service:Action}
	 * words of the third column; condition keys such as {@code s3:prefix} are lower case and left out).
	 */
	private static Map<String, Map<String, Set<String>>> iamTable(String readme) {
		Map<String, Map<String, Set<String>>> table = new LinkedHashMap<>();
		List<String> lines = readme.lines().toList();
		int header = lines.indexOf(lines.stream().filter((line) -> line.startsWith("| Role (")).findFirst()
			.orElseThrow(() -> new AssertionError("no IAM table (a line starting with '| Role (')")));
		String role = null;
		for (String line : lines.subList(header + 2, lines.size())) {
			if (!line.startsWith("|")) {
				break;
			}
			String[] cells = line.split("\\|");
			role = cells[1].isBlank() ? role : cells[1].strip();
			Set<String> actions = new TreeSet<>();
			Matcher action = IAM_ACTION.matcher(cells[3]);
			while (action.find()) {
				actions.add(action.group(1));
			}
			table.computeIfAbsent(role, (name) -> new LinkedHashMap<>()).put(cells[2].strip(), actions);
		}
		return table;
	}

	private static Map<String, Object> role(String name) {
		return resourcesOfType("AWS::IAM::Role").values()
			.stream()
			.filter((role) -> name.equals(properties(role).get("RoleName")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No role named " + name));
	}

	private static String roleName(String logicalId) {
		return (String) properties(resources.get(logicalId)).get("RoleName");
	}

	/** Every statement of a role's inline policies, by Sid. */
	@SuppressWarnings("unchecked")
	private static Map<String, Map<String, Object>> statements(Map<String, Object> role) {
		Map<String, Map<String, Object>> bySid = new LinkedHashMap<>();
		for (Object policy : (List<Object>) properties(role).getOrDefault("Policies", List.of())) {
			Map<String, Object> document = (Map<String, Object>) ((Map<String, Object>) policy).get("PolicyDocument");
			for (Object statement : (List<Object>) document.get("Statement")) {
				Map<String, Object> map = (Map<String, Object>) statement;
				assertThat(map.get("Effect")).isEqualTo("Allow");
				bySid.put((String) map.get("Sid"), map);
			}
		}
		return bySid;
	}

	private static Map<String, Set<String>> actionsBySid(Map<String, Object> role) {
		Map<String, Set<String>> actions = new HashMap<>();
		statements(role).forEach((sid, statement) -> actions.put(sid, Set.copyOf(actions(statement))));
		return actions;
	}

	private static List<String> actions(Map<String, Object> statement) {
		Object action = statement.get("Action");
		return (action instanceof List<?> list) ? list.stream().map(Object::toString).toList()
				: List.of(action.toString());
	}

	/** The logical ids a statement's {@code Fn::GetAtt [id, Arn]} resources name. */
	@SuppressWarnings("unchecked")
	private static Set<String> arnTargets(Map<String, Object> statement) {
		Object resource = statement.get("Resource");
		List<Object> list = (resource instanceof List<?> many) ? (List<Object>) many : List.of(resource);
		Set<String> ids = new TreeSet<>();
		for (Object entry : list) {
			List<Object> getAtt = (List<Object>) ((Map<String, Object>) entry).get("Fn::GetAtt");
			ids.add(getAtt.get(0).toString());
		}
		return ids;
	}

}
