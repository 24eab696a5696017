package dev.kiln.cdk;

import java.util.ArrayList;
import java.util.List;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import software.amazon.awscdk.Stack;

/**
 * The cdk-nag AwsSolutions findings this stack accepts, each with the reason it is accepted. Everything else cdk-nag
 * reports is an error that fails synthesis in the tests ({@code KilnStackTests}).
 */
final class NagSuppressionsForKiln {

	static final String EKS_MANAGED_POLICIES = "EKS requires these AWS managed policies on the cluster role and the "
			+ "node roles (AmazonEKSClusterPolicy, AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy, ECR pull, SSM for "
			+ "Bottlerocket's control container); AWS keeps them in step with what the kubelet and VPC CNI call.";

	private NagSuppressionsForKiln() {
	}

	static void apply(Stack stack) {
		String root = "/" + stack.getStackName() + "/";
		suppress(stack, root + "Cluster/Resource", "AwsSolutions-EKS1",
				"The API endpoint is public and private so that `aws eks update-kubeconfig` works from an operator's "
						+ "machine and CI; access still needs an IAM principal with an EKS access entry. Restrict it "
						+ "with EndpointAccess.onlyFrom(cidrs) where operators have fixed addresses.");
		suppress(stack, root + "Cluster/Role/Resource", "AwsSolutions-IAM4", EKS_MANAGED_POLICIES);
		suppress(stack, root + "Cluster/NodegroupSystem/NodeGroupRole/Resource", "AwsSolutions-IAM4",
				EKS_MANAGED_POLICIES);
		suppress(stack, root + "Karpenter/NodeRole/Resource", "AwsSolutions-IAM4", EKS_MANAGED_POLICIES);
		suppress(stack, root + "Cluster/KubectlProvider", "AwsSolutions-IAM4",
				"aws-cdk-lib's kubectl provider (the Lambda that runs helm for Karpenter, KEDA and Kiln): its roles "
						+ "carry the Lambda basic and VPC access policies and ECR read for OCI charts, set by the library.");
		suppress(stack, root + "Cluster/KubectlProvider", "AwsSolutions-IAM5",
				"aws-cdk-lib's kubectl provider reads the chart and layer assets from the CDK bootstrap bucket "
						+ "(s3:GetObject*/GetBucket*/List* on that bucket only) and invokes its own handler versions.");
		suppress(stack, root + "Cluster/KubectlProvider", "AwsSolutions-L1",
				"The kubectl handler's runtime is chosen by aws-cdk-lib and moves with its releases.");
		suppress(stack, root + "Karpenter/ControllerRole/Resource", "AwsSolutions-IAM5",
				"Karpenter's reference controller policy: instances, fleets, launch templates and instance profiles "
						+ "it creates have ids unknown in advance, so each wildcard resource is scoped by conditions on "
						+ "the kubernetes.io/cluster/<name>, eks:eks-cluster-name and karpenter.sh/nodepool tags; EC2 "
						+ "Describe* and pricing:GetProducts support no resource-level permissions (region-scoped).");
		suppress(stack, root + "Karpenter/InterruptionQueue/Resource", "AwsSolutions-SQS3",
				"Karpenter's interruption queue carries EventBridge notices that are useless after minutes (5 min "
						+ "retention, as Karpenter's own template); a dead-letter queue would only keep stale notices.");
		suppress(stack, root + "Roles", "AwsSolutions-IAM5",
				"Job outputs are written and read under jobs/{tenant}/{jobId}/ with ids created at run time, so "
						+ "object permissions name the jobs/ prefix (the only prefix Kiln uses); actions are listed "
						+ "one by one, no wildcard action.");
		suppress(stack, root + "Outputs/Bucket/Resource", "AwsSolutions-S1",
				"Outputs are read through short-lived presigned links; audit them with CloudTrail S3 data events "
						+ "(per-request identity) rather than server access logs, which would need a second, "
						+ "unencrypted-by-KMS log bucket.");
		suppress(stack, root + "JobStore/Password/Resource", "AwsSolutions-SMG4",
				"Rotating the job store password needs the MemoryDB user / ElastiCache AUTH token (ROTATE) and the "
						+ "kiln-redis Kubernetes Secret changed together with a rolling restart; the README describes the "
						+ "procedure, no rotation Lambda does it.");
		suppress(stack, root + "JobStore/ReplicationGroup", "AwsSolutions-AEC5",
				"The job store is reached over TLS with an AUTH token and only from the cluster security group; a "
						+ "non-default port would add no protection.");
	}

	/** Suppresses a rule on a construct and its children, when the construct exists (the job store has two shapes). */
	private static void suppress(Stack stack, String path, String rule, String reason) {
		List<NagPackSuppression> suppressions = new ArrayList<>();
		suppressions.add(NagPackSuppression.builder().id(rule).reason(reason).build());
		if (exists(stack, path)) {
			NagSuppressions.addResourceSuppressionsByPath(stack, path, suppressions, true);
		}
	}

	private static boolean exists(Stack stack, String path) {
		software.constructs.IConstruct node = stack;
		for (String part : path.substring(stack.getStackName().length() + 2).split("/")) {
			node = node.getNode().tryFindChild(part);
			if (node == null) {
				return false;
			}
		}
		return true;
	}

}
