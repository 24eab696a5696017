package dev.kiln.cdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.eks.CfnAccessEntry;
import software.amazon.awscdk.services.eks.CfnPodIdentityAssociation;
import software.amazon.awscdk.services.eks_v2.Cluster;
import software.amazon.awscdk.services.eks_v2.HelmChart;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.SqsQueue;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * Karpenter, as its getting-started CloudFormation sets it up, on EKS Pod Identity: the node role (with an
 * {@code EC2_LINUX} access entry, so nodes can join), the interruption queue fed by four EventBridge rules (spot
 * interruption warnings, rebalance recommendations, instance state changes and AWS Health scheduled changes), the
 * controller's role scoped to this cluster's tags, and the Helm release in {@code kube-system}.
 */
final class Karpenter extends Construct {

	static final String NAMESPACE = "kube-system";

	static final String SERVICE_ACCOUNT = "karpenter";

	static final String CHART = "oci://public.ecr.aws/karpenter/karpenter";

	/**
	 * The interruption events Karpenter handles, by rule id: EventBridge source and detail-type. Karpenter cordons and
	 * drains a node on each (the worker then gets SIGTERM and drains its job).
	 */
	static final Map<String, List<String>> INTERRUPTION_EVENTS = interruptionEvents();

	private final Role nodeRole;

	private final Queue interruptionQueue;

	private final HelmChart chart;

	Karpenter(Construct scope, String id, Cluster cluster, String clusterName, String version) {
		super(scope, id);
		Stack stack = Stack.of(this);
		this.nodeRole = Role.Builder.create(this, "NodeRole")
			.roleName("KarpenterNodeRole-" + clusterName)
			.description("Nodes Karpenter launches for " + clusterName)
			.assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
			.managedPolicies(List.of(ManagedPolicy.fromAwsManagedPolicyName("AmazonEKSWorkerNodePolicy"),
					ManagedPolicy.fromAwsManagedPolicyName("AmazonEKS_CNI_Policy"),
					ManagedPolicy.fromAwsManagedPolicyName("AmazonEC2ContainerRegistryPullOnly"),
					ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")))
			.build();
		CfnAccessEntry.Builder.create(this, "NodeAccess")
			.clusterName(cluster.getClusterName())
			.principalArn(this.nodeRole.getRoleArn())
			.type("EC2_LINUX")
			.build();

		this.interruptionQueue = Queue.Builder.create(this, "InterruptionQueue")
			.queueName(clusterName + "-karpenter")
			.retentionPeriod(Duration.minutes(5))
			.encryption(QueueEncryption.SQS_MANAGED)
			.enforceSsl(true)
			.build();
		for (Map.Entry<String, List<String>> event : INTERRUPTION_EVENTS.entrySet()) {
			Rule.Builder.create(this, event.getKey())
				.description("Karpenter interruption handling for " + clusterName + ": " + event.getValue().get(1))
				.eventPattern(EventPattern.builder()
					.source(List.of(event.getValue().get(0)))
					.detailType(List.of(event.getValue().get(1)))
					.build())
				.targets(List.of(new SqsQueue(this.interruptionQueue)))
				.build();
		}

		Role controller = Role.Builder.create(this, "ControllerRole")
			.roleName("KarpenterController-" + clusterName)
			.description("Karpenter controller of " + clusterName + " (EKS Pod Identity)")
			.assumedBy(ServiceRoles.podIdentityPrincipal())
			.inlinePolicies(Map.of("karpenter",
					PolicyDocument.Builder.create()
						.statements(controllerStatements(stack, cluster.getClusterArn(), clusterName))
						.build()))
			.build();
		CfnPodIdentityAssociation association = CfnPodIdentityAssociation.Builder.create(this, "PodIdentity")
			.clusterName(cluster.getClusterName())
			.namespace(NAMESPACE)
			.serviceAccount(SERVICE_ACCOUNT)
			.roleArn(controller.getRoleArn())
			.build();
		association.getNode().addDependency(cluster.getEksPodIdentityAgent());

		this.chart = cluster.addHelmChart("Chart", software.amazon.awscdk.services.eks_v2.HelmChartOptions.builder()
			.chart("karpenter")
			.repository(CHART)
			.version(version)
			.release("karpenter")
			.namespace(NAMESPACE)
			.values(Map.of("settings", Map.of("clusterName", clusterName, "interruptionQueue",
					this.interruptionQueue.getQueueName()), "serviceAccount", Map.of("name", SERVICE_ACCOUNT),
					"replicas", 2))
			.wait(true)
			.build());
		this.chart.getNode().addDependency(association);
	}

	private List<PolicyStatement> controllerStatements(Stack stack, String clusterArn, String clusterName) {
		String partition = stack.getPartition();
		String region = stack.getRegion();
		String account = stack.getAccount();
		String ec2 = "arn:" + partition + ":ec2:" + region + ":*:";
		String owned = "aws:RequestTag/kubernetes.io/cluster/" + clusterName;
		String resourceOwned = "aws:ResourceTag/kubernetes.io/cluster/" + clusterName;
		Map<String, Object> requestOwned = Map.of("StringEquals",
				Map.of(owned, "owned", "aws:RequestTag/eks:eks-cluster-name", clusterName), "StringLike",
				Map.of("aws:RequestTag/karpenter.sh/nodepool", "*"));
		Map<String, Object> resourceIsOwned = Map.of("StringEquals", Map.of(resourceOwned, "owned"), "StringLike",
				Map.of("aws:ResourceTag/karpenter.sh/nodepool", "*"));
		String instanceProfiles = "arn:" + partition + ":iam::" + account + ":instance-profile/*";
		return List.of(
				statement("AllowScopedEC2InstanceAccessActions",
						List.of(ec2 + "image/*", ec2 + "snapshot/*", ec2 + "security-group/*", ec2 + "subnet/*",
								ec2 + "capacity-reservation/*"),
						null, "ec2:RunInstances", "ec2:CreateFleet"),
				statement("AllowScopedEC2LaunchTemplateAccessActions", List.of(ec2 + "launch-template/*"),
						resourceIsOwned, "ec2:RunInstances", "ec2:CreateFleet"),
				statement("AllowScopedEC2InstanceActionsWithTags",
						List.of(ec2 + "fleet/*", ec2 + "instance/*", ec2 + "volume/*", ec2 + "network-interface/*",
								ec2 + "launch-template/*", ec2 + "spot-instances-request/*"),
						requestOwned, "ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"),
				statement("AllowScopedResourceCreationTagging",
						List.of(ec2 + "fleet/*", ec2 + "instance/*", ec2 + "volume/*", ec2 + "network-interface/*",
								ec2 + "launch-template/*", ec2 + "spot-instances-request/*"),
						Map.of("StringEquals",
								Map.of(owned, "owned", "aws:RequestTag/eks:eks-cluster-name", clusterName,
										"ec2:CreateAction", List.of("RunInstances", "CreateFleet", "CreateLaunchTemplate")),
								"StringLike", Map.of("aws:RequestTag/karpenter.sh/nodepool", "*")),
						"ec2:CreateTags"),
				statement("AllowScopedResourceTagging", List.of(ec2 + "instance/*"), resourceIsOwned, "ec2:CreateTags"),
				statement("AllowScopedDeletion", List.of(ec2 + "instance/*", ec2 + "launch-template/*"),
						resourceIsOwned, "ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"),
				statement("AllowRegionalReadActions", List.of("*"),
						Map.of("StringEquals", Map.of("aws:RequestedRegion", region)), "ec2:DescribeAvailabilityZones",
						"ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeInstanceTypeOfferings",
						"ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates", "ec2:DescribeSecurityGroups",
						"ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets", "ec2:DescribeCapacityReservations"),
				statement("AllowSSMReadActions",
						List.of("arn:" + partition + ":ssm:" + region + "::parameter/aws/service/*"), null,
						"ssm:GetParameter"),
				statement("AllowPricingReadActions", List.of("*"), null, "pricing:GetProducts"),
				statement("AllowInterruptionQueueActions", List.of(this.interruptionQueue.getQueueArn()), null,
						"sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"),
				statement("AllowPassingInstanceRole", List.of(this.nodeRole.getRoleArn()),
						Map.of("StringEquals", Map.of("iam:PassedToService", List.of("ec2.amazonaws.com"))),
						"iam:PassRole"),
				statement("AllowScopedInstanceProfileCreationActions", List.of(instanceProfiles),
						Map.of("StringEquals",
								Map.of(owned, "owned", "aws:RequestTag/eks:eks-cluster-name", clusterName,
										"aws:RequestTag/topology.kubernetes.io/region", region),
								"StringLike", Map.of("aws:RequestTag/karpenter.k8s.aws/ec2nodeclass", "*")),
						"iam:CreateInstanceProfile"),
				statement("AllowScopedInstanceProfileTagActions", List.of(instanceProfiles),
						Map.of("StringEquals",
								Map.of(resourceOwned, "owned", "aws:ResourceTag/topology.kubernetes.io/region", region,
										owned, "owned", "aws:RequestTag/eks:eks-cluster-name", clusterName,
										"aws:RequestTag/topology.kubernetes.io/region", region),
								"StringLike",
								Map.of("aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass", "*",
										"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass", "*")),
						"iam:TagInstanceProfile"),
				statement("AllowScopedInstanceProfileActions", List.of(instanceProfiles),
						Map.of("StringEquals",
								Map.of(resourceOwned, "owned", "aws:ResourceTag/topology.kubernetes.io/region", region),
								"StringLike", Map.of("aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass", "*")),
						"iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
						"iam:DeleteInstanceProfile"),
				statement("AllowInstanceProfileReadActions", List.of(instanceProfiles), null,
						"iam:GetInstanceProfile", "iam:ListInstanceProfiles"),
				statement("AllowAPIServerEndpointDiscovery", List.of(clusterArn), null, "eks:DescribeCluster"));
	}

	private static PolicyStatement statement(String sid, List<String> resources, Map<String, Object> conditions,
			String... actions) {
		PolicyStatement.Builder builder = PolicyStatement.Builder.create()
			.sid(sid)
			.actions(List.of(actions))
			.resources(resources);
		if (conditions != null) {
			builder.conditions(conditions);
		}
		return builder.build();
	}

	private static Map<String, List<String>> interruptionEvents() {
		Map<String, List<String>> events = new LinkedHashMap<>();
		events.put("ScheduledChangeRule", List.of("aws.health", "AWS Health Event"));
		events.put("SpotInterruptionRule", List.of("aws.ec2", "EC2 Spot Instance Interruption Warning"));
		events.put("RebalanceRule", List.of("aws.ec2", "EC2 Instance Rebalance Recommendation"));
		events.put("InstanceStateChangeRule", List.of("aws.ec2", "EC2 Instance State-change Notification"));
		return java.util.Collections.unmodifiableMap(events);
	}

	Role nodeRole() {
		return this.nodeRole;
	}

	HelmChart chart() {
		return this.chart;
	}

	Queue interruptionQueue() {
		return this.interruptionQueue;
	}

}
