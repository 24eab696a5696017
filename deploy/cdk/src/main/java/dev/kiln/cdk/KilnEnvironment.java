package dev.kiln.cdk;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import software.constructs.Node;

/**
 * One named environment the app builds: where it goes and the few choices a platform team makes. Read from the CDK
 * context ({@code cdk deploy -c kiln:environment=prod -c kiln:account=123456789012 ...}) by {@link #fromContext}, or
 * built directly by tests.
 *
 * @param name environment name, part of every resource name ({@code kiln-<name>-...}); lower-case letters, digits
 * and {@code -}
 * @param account AWS account id (12 digits)
 * @param region AWS region
 * @param vpcId an existing VPC to use, or {@code null} to create one
 * @param kubernetesVersion EKS version, 1.33 or newer
 * @param jobStore which Redis holds the job records
 * @param imageTag tag of the Kiln images pushed to the stack's ECR repositories
 * @param amiAlias Bottlerocket alias of the GPU nodes ({@code bottlerocket@v1.x.y})
 * @param dataVolumeSnapshotId Bottlerocket data-volume snapshot with the worker image pre-pulled, or {@code null}
 * @param chartDirectory the Kiln chart
 * @param topologyOverrides {@code --kiln.queues.*}/{@code --kiln.storage.*}/{@code --kiln.retention} arguments for
 * the queue-service's topology command; the bucket name defaults to {@code kiln-<name>-<account>-<region>}
 * @param karpenterVersion Karpenter Helm chart version
 * @param kedaVersion KEDA Helm chart version
 */
record KilnEnvironment(String name, String account, String region, @Nullable String vpcId, String kubernetesVersion,
		JobStore.Flavour jobStore, String imageTag, String amiAlias, @Nullable String dataVolumeSnapshotId,
		Path chartDirectory, List<String> topologyOverrides, String karpenterVersion, String kedaVersion) {

	private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,19}");

	private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

	private static final Pattern AMI_ALIAS = Pattern.compile("bottlerocket@(latest|v\\d+\\.\\d+\\.\\d+)");

	static final String DEFAULT_KUBERNETES_VERSION = "1.33";

	static final String DEFAULT_AMI_ALIAS = "bottlerocket@v1.40.0";

	static final String DEFAULT_KARPENTER_VERSION = "1.8.1";

	static final String DEFAULT_KEDA_VERSION = "2.20.0";

	KilnEnvironment {
		Objects.requireNonNull(name, "kiln:environment");
		if (!NAME.matcher(name).matches()) {
			throw new IllegalArgumentException(
					"kiln:environment '" + name + "' must be 1-20 lower-case letters, digits or '-', starting with a letter");
		}
		if (account == null || !ACCOUNT.matcher(account).matches()) {
			throw new IllegalArgumentException("kiln:account must be a 12-digit AWS account id, got '" + account + "'");
		}
		if (region == null || region.isBlank()) {
			throw new IllegalArgumentException("kiln:region is required, e.g. us-east-1");
		}
		String[] version = kubernetesVersion.split("\\.");
		if (version.length != 2 || !version[0].equals("1") || Integer.parseInt(version[1]) < 33) {
			throw new IllegalArgumentException("kiln:kubernetesVersion must be 1.33 or newer, got " + kubernetesVersion);
		}
		if (imageTag.isBlank() || imageTag.equals("latest")) {
			throw new IllegalArgumentException("kiln:imageTag must name one build (not empty, not 'latest')");
		}
		if (!AMI_ALIAS.matcher(amiAlias).matches()) {
			throw new IllegalArgumentException("kiln:amiAlias must be bottlerocket@vX.Y.Z, got " + amiAlias);
		}
		topologyOverrides = List.copyOf(topologyOverrides);
		for (String override : topologyOverrides) {
			if (!override.startsWith("--kiln.")) {
				throw new IllegalArgumentException("Topology overrides are --kiln.*=value arguments, got " + override);
			}
		}
	}

	/** The bucket name unless the overrides name one: S3 names are global, so account and region are in it. */
	String defaultBucket() {
		return "kiln-" + this.name + "-" + this.account + "-" + this.region;
	}

	/** The topology command's arguments: the bucket default first, so an explicit override wins. */
	List<String> topologyArguments() {
		List<String> args = new ArrayList<>();
		args.add("--kiln.storage.bucket=" + defaultBucket());
		args.addAll(this.topologyOverrides);
		return args;
	}

	/** The EKS cluster's name. */
	String clusterName() {
		return "kiln-" + this.name;
	}

	/**
	 * Reads the environment from the CDK context ({@code -c key=value} or {@code cdk.json}).
	 * @param node the app's node
	 * @return the environment
	 */
	static KilnEnvironment fromContext(Node node) {
		String topology = context(node, "kiln:topology", "");
		List<String> overrides = topology.isBlank() ? List.of() : List.of(topology.trim().split("\\s+"));
		return new KilnEnvironment(context(node, "kiln:environment", null), context(node, "kiln:account", null),
				context(node, "kiln:region", null), blankToNull(context(node, "kiln:vpcId", "")),
				context(node, "kiln:kubernetesVersion", DEFAULT_KUBERNETES_VERSION),
				JobStore.Flavour.valueOf(context(node, "kiln:jobStore", "memorydb").toUpperCase(Locale.ROOT)),
				context(node, "kiln:imageTag", null), context(node, "kiln:amiAlias", DEFAULT_AMI_ALIAS),
				blankToNull(context(node, "kiln:dataVolumeSnapshotId", "")),
				Path.of(context(node, "kiln:chartDirectory", "../helm/kiln")), overrides,
				context(node, "kiln:karpenterVersion", DEFAULT_KARPENTER_VERSION),
				context(node, "kiln:kedaVersion", DEFAULT_KEDA_VERSION));
	}

	private static String context(Node node, String key, @Nullable String fallback) {
		Object value = node.tryGetContext(key);
		if (value == null) {
			if (fallback == null) {
				throw new IllegalArgumentException("Missing context " + key + " (cdk deploy -c " + key + "=...)");
			}
			return fallback;
		}
		return value.toString();
	}

	private static @Nullable String blankToNull(String value) {
		return value.isBlank() ? null : value;
	}

}
