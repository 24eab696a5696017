package dev.kiln.cdk;

import org.jspecify.annotations.Nullable;
import software.amazon.awscdk.CfnOutput;
import software.constructs.Construct;

/**
 * The Bottlerocket data-volume snapshot that makes a GPU node's cold start skip the worker image pull (several GB
 * with libtorch and CUDA). Building it needs an EC2 instance running Bottlerocket that pulls the images and is then
 * snapshotted, which a CloudFormation deployment cannot do in-line; this construct states the command that does it
 * (awslabs' {@code bottlerocket-images-cache} {@code snapshot.sh}: launches a Bottlerocket instance, pulls the images
 * into its data volume, snapshots it, prints the snapshot id) and, once the id is given back as
 * {@code kiln:dataVolumeSnapshotId}, passes it to the chart ({@code karpenter.nodeClass.dataVolume.snapshotID}).
 *
 * <p>The GPU stack itself needs nothing here: Karpenter resolves the Bottlerocket alias to the {@code -nvidia}
 * variant for GPU instance types, and that variant ships the NVIDIA driver and the Kubernetes device plugin (which
 * advertises {@code nvidia.com/gpu}), so no GPU operator or device-plugin DaemonSet is installed.
 */
final class ModelSnapshot extends Construct {

	/** Where the snapshot tool lives. */
	static final String TOOL = "https://github.com/aws-samples/bottlerocket-images-cache";

	private final @Nullable String snapshotId;

	ModelSnapshot(Construct scope, String id, KilnEnvironment environment, EcrRepositories repositories) {
		super(scope, id);
		this.snapshotId = environment.dataVolumeSnapshotId();
		String image = repositories.registry() + EcrRepositories.WORKER + ":" + environment.imageTag();
		CfnOutput command = CfnOutput.Builder.create(this, "SnapshotCommand")
			.description((this.snapshotId != null) ? "Rebuilds the data-volume snapshot in use"
					: "Builds the data-volume snapshot; pass its id as -c kiln:dataVolumeSnapshotId=snap-...")
			.value("git clone " + TOOL + " && cd bottlerocket-images-cache && ./snapshot.sh -r "
					+ environment.region() + " -a /aws/service/bottlerocket/aws-k8s-" + environment.kubernetesVersion()
					+ "-nvidia/x86_64/latest/image_id " + image)
			.build();
		command.overrideLogicalId("ModelsSnapshotCommand");
	}

	@Nullable String snapshotId() {
		return this.snapshotId;
	}

}
