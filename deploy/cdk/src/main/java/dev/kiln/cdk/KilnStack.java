package dev.kiln.cdk;

import java.util.List;
import java.util.Map;

import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.cdk.lambdalayer.kubectl.v32.KubectlV32Layer;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcLookupOptions;
import software.amazon.awscdk.services.eks.CfnAddon;
import software.amazon.awscdk.services.eks.CfnPodIdentityAssociation;
import software.amazon.awscdk.services.eks_v2.Cluster;
import software.amazon.awscdk.services.eks_v2.ClusterLoggingTypes;
import software.amazon.awscdk.services.eks_v2.DefaultCapacityType;
import software.amazon.awscdk.services.eks_v2.EndpointAccess;
import software.amazon.awscdk.services.eks_v2.HelmChart;
import software.amazon.awscdk.services.eks_v2.HelmChartOptions;
import software.amazon.awscdk.services.eks_v2.KubectlProviderOptions;
import software.amazon.awscdk.services.eks_v2.KubernetesVersion;
import software.amazon.awscdk.services.eks_v2.Nodegroup;
import software.amazon.awscdk.services.eks_v2.NodegroupAmiType;
import software.amazon.awscdk.services.eks_v2.NodegroupOptions;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.assets.Asset;
import software.constructs.Construct;

/**
 * Everything one Kiln environment needs on AWS, in one stack: network, EKS with Bottlerocket system nodes and Pod
 * Identity, Karpenter, KEDA, the queues and bucket from the queue-service's topology, the job store, the image
 * repositories, one role per service, and the Kiln chart installed with values wired from all of it.
 *
 * <p>EKS is the {@code aws-eks-v2} module of aws-cdk-lib (stable since 2.2xx): the cluster is a native
 * {@code AWS::EKS::Cluster} with access entries, and the kubectl handler exists only for Helm charts. That handler
 * needs a kubectl Lambda layer; the newest one on Maven Central is {@code cdk-lambda-layer-kubectl-v32} (kubectl and
 * Helm for 1.32), which Kubernetes' version skew policy allows against a 1.33 control plane (kubectl supports one
 * minor version either side). See the README, "EKS module".
 */
final class KilnStack extends Stack {

	/** The tag Karpenter's EC2NodeClass finds the node subnets by. */
	static final String DISCOVERY_TAG = "karpenter.sh/discovery";

	/** Chart repository of KEDA. */
	static final String KEDA_REPOSITORY = "https://kedacore.github.io/charts";

	static final String KEDA_NAMESPACE = "keda";

	static final String KEDA_SERVICE_ACCOUNT = "keda-operator";

	private final KilnTopology topology;

	private final Cluster cluster;

	private final ServiceRoles roles;

	private final JobStore jobStore;

	private final Karpenter karpenter;

	private final KilnValues values;

	KilnStack(Construct scope, String id, KilnEnvironment environment, KilnTopology topology) {
		super(scope, id, StackProps.builder()
			.env(Environment.builder().account(environment.account()).region(environment.region()).build())
			.description("Kiln " + environment.name() + ": EKS, Karpenter, KEDA, queues, bucket, job store, roles")
			.build());
		this.topology = topology;
		String clusterName = environment.clusterName();

		IVpc vpc = (environment.vpcId() != null)
				? Vpc.fromLookup(this, "Vpc", VpcLookupOptions.builder().vpcId(environment.vpcId()).build())
				: Vpc.Builder.create(this, "Vpc")
					.vpcName(clusterName)
					.maxAzs(3)
					.natGateways(1)
					.flowLogs(Map.of("all", FlowLogOptions.builder()
						.destination(FlowLogDestination.toCloudWatchLogs())
						.trafficType(FlowLogTrafficType.REJECT)
						.build()))
					.build();
		// Karpenter finds the node subnets by this tag; an existing VPC's subnets cannot be tagged from here, so the
		// chart gets their ids instead (KilnValues)
		for (ISubnet subnet : vpc.getPrivateSubnets()) {
			Tags.of(subnet).add(DISCOVERY_TAG, clusterName);
		}

		Key secrets = Key.Builder.create(this, "ClusterSecretsKey")
			.description("Envelope encryption of " + clusterName + "'s Kubernetes Secrets")
			.enableKeyRotation(true)
			.build();
		this.cluster = Cluster.Builder.create(this, "Cluster")
			.clusterName(clusterName)
			.version(KubernetesVersion.of(environment.kubernetesVersion()))
			.vpc(vpc)
			.vpcSubnets(List.of(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build()))
			.endpointAccess(EndpointAccess.PUBLIC_AND_PRIVATE)
			.defaultCapacityType(DefaultCapacityType.NODEGROUP)
			.defaultCapacity(0)
			.secretsEncryptionKey(secrets)
			.clusterLogging(List.of(ClusterLoggingTypes.API, ClusterLoggingTypes.AUDIT,
					ClusterLoggingTypes.AUTHENTICATOR, ClusterLoggingTypes.CONTROLLER_MANAGER,
					ClusterLoggingTypes.SCHEDULER))
			.kubectlProviderOptions(KubectlProviderOptions.builder()
				.kubectlLayer(new KubectlV32Layer(this, "KubectlLayer"))
				.build())
			.build();
		// The system nodes: Bottlerocket, on demand, for CoreDNS, Karpenter, KEDA and the Kiln services. GPU nodes are
		// Karpenter's, from the chart's NodePool.
		Nodegroup system = this.cluster.addNodegroupCapacity("System", NodegroupOptions.builder()
			.nodegroupName("system")
			.amiType(NodegroupAmiType.BOTTLEROCKET_X86_64)
			.instanceTypes(List.of(new InstanceType("m7i.large"), new InstanceType("m6i.large")))
			.minSize(2)
			.desiredSize(3)
			.maxSize(6)
			.subnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build())
			.labels(Map.of("kiln.dev/pool", "system"))
			.build());
		// EKS Pod Identity: the agent add-on; every role below is bound to its service account by an association
		this.cluster.getEksPodIdentityAgent();
		// The chart's NetworkPolicies (on by default) are enforced only by the VPC CNI's network policy agent: the
		// managed add-on with enableNetworkPolicy (EKS user guide, "Restrict pod network traffic with Kubernetes network
		// policies"); it takes over the self-managed CNI the cluster starts with
		CfnAddon.Builder.create(this, "VpcCni")
			.clusterName(this.cluster.getClusterName())
			.addonName("vpc-cni")
			.configurationValues("{\"enableNetworkPolicy\":\"true\"}")
			.resolveConflicts("OVERWRITE")
			.build();

		KilnQueues queues = new KilnQueues(this, "Queues", topology);
		KilnBucket bucket = new KilnBucket(this, "Outputs", topology);
		this.jobStore = new JobStore(this, "JobStore", environment.name(), environment.jobStore(), vpc,
				this.cluster.getClusterSecurityGroup());
		this.roles = new ServiceRoles(this, "Roles", environment.name(), topology, queues, bucket);
		for (Map.Entry<ServiceRoles.Service, Role> role : this.roles.roles().entrySet()) {
			associate("PodIdentity-" + role.getKey().component(), KilnValues.NAMESPACE,
					KilnValues.serviceAccount(role.getKey()), role.getValue());
		}
		EcrRepositories repositories = new EcrRepositories(this, "Images");

		this.karpenter = new Karpenter(this, "Karpenter", this.cluster, clusterName, environment.karpenterVersion());
		CfnPodIdentityAssociation keda = associate("PodIdentity-keda", KEDA_NAMESPACE, KEDA_SERVICE_ACCOUNT,
				this.roles.keda());
		HelmChart kedaChart = this.cluster.addHelmChart("Keda", HelmChartOptions.builder()
			.chart("keda")
			.repository(KEDA_REPOSITORY)
			.version(environment.kedaVersion())
			.release("keda")
			.namespace(KEDA_NAMESPACE)
			.createNamespace(true)
			.wait(true)
			.build());
		kedaChart.getNode().addDependency(keda);
		// both controllers run on the system nodes (Karpenter never on nodes it manages); installs wait for them
		kedaChart.getNode().addDependency(system);
		this.karpenter.chart().getNode().addDependency(system);

		ModelSnapshot models = new ModelSnapshot(this, "Models", environment, repositories);

		this.values = new KilnValues(repositories.registry(), environment.imageTag(), environment.region(),
				environment.account(), topology, this.jobStore.host(), environment.jobStore(),
				this.karpenter.nodeRole().getRoleName(), clusterName,
				(environment.vpcId() != null)
						? vpc.getPrivateSubnets().stream().map(ISubnet::getSubnetId).toList() : List.of(),
				this.cluster.getClusterSecurityGroupId(),
				environment.amiAlias(), models.snapshotId());
		Asset chart = Asset.Builder.create(this, "KilnChart").path(environment.chartDirectory().toString()).build();
		var release = this.cluster.addHelmChart("Kiln", HelmChartOptions.builder()
			.chartAsset(chart)
			.release(KilnValues.RELEASE)
			.namespace(KilnValues.NAMESPACE)
			.createNamespace(true)
			.values(this.values.toMap())
			.wait(false)
			.build());
		// KEDA's and Karpenter's CRDs must exist before the chart's ScaledObject, NodePool and EC2NodeClass
		release.getNode().addDependency(this.karpenter.chart());
		release.getNode().addDependency(kedaChart);

		CfnOutput.Builder.create(this, "ClusterName").value(this.cluster.getClusterName()).build();
		CfnOutput.Builder.create(this, "UpdateKubeconfig")
			.value("aws eks update-kubeconfig --region " + environment.region() + " --name " + clusterName)
			.build();
		CfnOutput.Builder.create(this, "ImageRegistry").value(repositories.registry()).build();
		CfnOutput.Builder.create(this, "Bucket").value(bucket.bucket().getBucketName()).build();
		CfnOutput.Builder.create(this, "JobStoreEndpoint").value(this.jobStore.host()).build();
		CfnOutput.Builder.create(this, "JobStoreSecretCommand")
			.description("Creates the Secret the Kiln pods read the job store password from")
			.value("kubectl -n " + KilnValues.NAMESPACE + " create secret generic " + KilnValues.REDIS_SECRET
					+ " --from-literal=" + KilnValues.REDIS_SECRET_KEY
					+ "=\"$(aws secretsmanager get-secret-value --region " + environment.region() + " --secret-id "
					+ this.jobStore.secret().getSecretArn() + " --query SecretString --output text)\"")
			.build();
		CfnOutput.Builder.create(this, "KarpenterInterruptionQueue")
			.value(this.karpenter.interruptionQueue().getQueueName())
			.build();
	}

	private CfnPodIdentityAssociation associate(String id, String namespace, String serviceAccount, Role role) {
		CfnPodIdentityAssociation association = CfnPodIdentityAssociation.Builder.create(this, id)
			.clusterName(this.cluster.getClusterName())
			.namespace(namespace)
			.serviceAccount(serviceAccount)
			.roleArn(role.getRoleArn())
			.build();
		association.getNode().addDependency(this.cluster.getEksPodIdentityAgent());
		return association;
	}

	KilnTopology topology() {
		return this.topology;
	}

	ServiceRoles roles() {
		return this.roles;
	}

	JobStore jobStore() {
		return this.jobStore;
	}

	KilnValues values() {
		return this.values;
	}

}
