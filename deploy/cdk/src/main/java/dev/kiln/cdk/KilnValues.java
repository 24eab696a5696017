package dev.kiln.cdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The values the app gives the Kiln chart, built from the stack's outputs. The stack passes CloudFormation tokens
 * (resolved at deploy time); the chart test passes sample strings of the same shape through the same method, renders
 * the chart with them and validates the result.
 *
 * @param registry ECR registry prefix with the trailing slash
 * @param imageTag image tag
 * @param region AWS region
 * @param account AWS account id
 * @param topology the queue topology
 * @param redisHost the job store's endpoint
 * @param jobStore which store, for its client settings
 * @param nodeRoleName Karpenter's node role name
 * @param clusterName the cluster's name ({@code karpenter.sh/discovery} tag of the subnets)
 * @param subnetIds the node subnets of an existing VPC, whose subnets the stack cannot tag; empty for a VPC the stack
 * created and tagged
 * @param clusterSecurityGroupId the cluster security group (nodes join it; the job store admits it)
 * @param amiAlias Bottlerocket alias of the GPU nodes
 * @param dataVolumeSnapshotId the data-volume snapshot, or {@code null}
 */
record KilnValues(String registry, String imageTag, String region, String account, KilnTopology topology,
		String redisHost, JobStore.Flavour jobStore, String nodeRoleName, String clusterName, List<String> subnetIds,
		String clusterSecurityGroupId, String amiAlias, @Nullable String dataVolumeSnapshotId) {

	/** The namespace and release name of Kiln; service accounts are {@code kiln-<component>}. */
	static final String NAMESPACE = "kiln";

	static final String RELEASE = "kiln";

	/** The Secret (in {@link #NAMESPACE}) holding the job store password; see the README for the command. */
	static final String REDIS_SECRET = "kiln-redis";

	static final String REDIS_SECRET_KEY = "redis-password";

	/** The service account of a component, as the chart names it for release {@link #RELEASE}. */
	static String serviceAccount(ServiceRoles.Service service) {
		return RELEASE + "-" + service.component();
	}

	/** The chart values. */
	Map<String, Object> toMap() {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("image", Map.of("registry", this.registry, "tag", this.imageTag));
		values.put("aws", Map.of("region", this.region, "accountId", this.account, "identity", "podIdentity"));
		values.put("queues", Map.of("prefix", this.topology.prefix()));
		values.put("storage", Map.of("bucket", this.topology.bucket()));
		// both stores take TLS only; MemoryDB runs in cluster mode only and authenticates a named ACL user, ElastiCache
		// (cluster mode disabled) the default user with its AUTH token
		Map<String, Object> redis = new LinkedHashMap<>();
		redis.put("host", this.redisHost);
		redis.put("port", JobStore.PORT);
		redis.put("ssl", true);
		redis.put("cluster", this.jobStore == JobStore.Flavour.MEMORYDB);
		if (this.jobStore == JobStore.Flavour.MEMORYDB) {
			redis.put("username", JobStore.USER);
		}
		redis.put("existingSecret", REDIS_SECRET);
		redis.put("existingSecretKey", REDIS_SECRET_KEY);
		values.put("redis", redis);
		values.put("queueService", Map.of("config",
				Map.of("maxReceiveCount", this.topology.maxReceiveCount(), "visibilityTimeout",
						this.topology.visibilityTimeoutSeconds() + "s", "queueRetention",
						this.topology.messageRetentionSeconds() + "s")));
		Map<String, Object> dataVolume = new LinkedHashMap<>();
		if (this.dataVolumeSnapshotId != null) {
			dataVolume.put("snapshotID", this.dataVolumeSnapshotId);
		}
		Map<String, Object> nodeClass = new LinkedHashMap<>();
		nodeClass.put("amiAlias", this.amiAlias);
		nodeClass.put("role", this.nodeRoleName);
		nodeClass.put("subnetSelectorTerms",
				this.subnetIds.isEmpty() ? List.of(Map.of("tags", Map.of(KilnStack.DISCOVERY_TAG, this.clusterName)))
						: this.subnetIds.stream().map((id) -> Map.of("id", id)).toList());
		nodeClass.put("securityGroupSelectorTerms", List.of(Map.of("id", this.clusterSecurityGroupId)));
		if (!dataVolume.isEmpty()) {
			nodeClass.put("dataVolume", dataVolume);
		}
		values.put("karpenter", Map.of("enabled", true, "nodeClass", nodeClass));
		// the advisor's gRPC port admits KEDA's namespace only: the one the stack installs KEDA into
		values.put("networkPolicy", Map.of("kedaNamespaceSelector",
				Map.of("kubernetes.io/metadata.name", KilnStack.KEDA_NAMESPACE)));
		return values;
	}

}
