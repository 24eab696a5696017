package dev.kiln.cdk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.services.iam.IPrincipal;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.iam.SessionTagsPrincipal;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * One least-privilege IAM role per Kiln service, assumed through EKS Pod Identity. Each statement lists exactly the
 * actions the service's code calls (see the README's table, which names the calls), on exactly the resources it
 * calls them on; there is no wildcard action anywhere.
 *
 * <p>SQS: {@code GetQueueUrl} is called by every client before anything else (queues are configured by name);
 * {@code SendMessageBatch}, {@code DeleteMessageBatch} and {@code ChangeMessageVisibilityBatch} are authorised by the
 * actions without {@code Batch}. S3 with SSE-KMS: writing needs {@code kms:GenerateDataKey}, reading (and following a
 * presigned link, which is authorised as its signer) needs {@code kms:Decrypt}; listing and deleting need neither.
 */
final class ServiceRoles extends Construct {

	/** The Kiln services, by their chart component name. */
	enum Service {

		GATEWAY("gateway"), QUEUE_SERVICE("queue-service"), ADVISOR("advisor"), WORKER("worker");

		private final String component;

		Service(String component) {
			this.component = component;
		}

		String component() {
			return this.component;
		}

	}

	/** The principal EKS Pod Identity assumes roles as (with session tags). */
	static IPrincipal podIdentityPrincipal() {
		return new SessionTagsPrincipal(new ServicePrincipal("pods.eks.amazonaws.com"));
	}

	private final Map<Service, Role> roles = new LinkedHashMap<>();

	private final Role keda;

	ServiceRoles(Construct scope, String id, String environment, KilnTopology topology, KilnQueues queues,
			KilnBucket bucket) {
		super(scope, id);
		String outputs = topology.lifecyclePrefix();
		String objects = bucket.bucket().arnForObjects(outputs + "*");
		List<String> jobs = arns(queues.jobs());
		List<String> jobsDeadLetters = arns(queues.jobsDeadLetters());
		String events = queues.events().getQueueArn();
		String eventsDeadLetters = queues.eventsDeadLetters().getQueueArn();
		String key = bucket.key().getKeyArn();

		this.roles.put(Service.GATEWAY, role("Gateway", environment, Service.GATEWAY, List.of(
				// JobPublisher: GetQueueUrl, then SendMessage (or SendMessageBatch through SqsAsyncBatchManager)
				allow("SendJobs", jobs, "sqs:GetQueueUrl", "sqs:SendMessage"),
				// ImageLinks: presigned GetObject links are authorised as the gateway's role when followed
				allow("PresignOutputs", List.of(objects), "s3:GetObject"),
				allow("DecryptOutputs", List.of(key), "kms:Decrypt"))));

		this.roles.put(Service.QUEUE_SERVICE, role("QueueService", environment, Service.QUEUE_SERVICE, List.of(
				// JobEventListener (@SqsListener, acknowledges with DeleteMessageBatch) and EventDeadLetters
				allow("ConsumeEvents", List.of(events, eventsDeadLetters), "sqs:GetQueueUrl", "sqs:ReceiveMessage",
						"sqs:DeleteMessage"),
				// DeadLetters: receive, hold (ChangeMessageVisibilityBatch), delete; LaneMonitor counts them
				allow("HandleDeadLetters", jobsDeadLetters, "sqs:GetQueueUrl", "sqs:ReceiveMessage",
						"sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"),
				// OutboxRelay and Redrive send jobs (through LaneMessages); LaneMonitor reads the lanes' depth
				allow("SendAndWatchJobs", jobs, "sqs:GetQueueUrl", "sqs:SendMessage", "sqs:GetQueueAttributes"),
				// RetentionSweeper: lists one job's prefix and deletes what it finds
				allowListing(bucket.bucket().getBucketArn(), outputs),
				allow("DeleteExpiredOutputs", List.of(objects), "s3:DeleteObject"))));

		this.roles.put(Service.ADVISOR, role("Advisor", environment, Service.ADVISOR, List.of(
				// scaling/Inputs: GetQueueUrl once (QueueUrls), then GetQueueAttributes per poll
				allow("ReadLaneDepth", jobs, "sqs:GetQueueUrl", "sqs:GetQueueAttributes"))));

		this.roles.put(Service.WORKER, role("Worker", environment, Service.WORKER, List.of(
				// JobQueues: receive, renew visibility while rendering, delete when done
				allow("ConsumeJobs", jobs, "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage",
						"sqs:ChangeMessageVisibility"),
				// EventPublisher (SqsTemplate): GetQueueUrl, SendMessage
				allow("PublishEvents", List.of(events), "sqs:GetQueueUrl", "sqs:SendMessage"),
				// OutputStore: images, metadata and checkpoints (put, read back, delete)
				allow("WriteOutputs", List.of(objects), "s3:PutObject", "s3:GetObject", "s3:DeleteObject"),
				allow("EncryptOutputs", List.of(key), "kms:GenerateDataKey", "kms:Decrypt"))));

		// KEDA's operator reads the lanes' depth itself with the aws-sqs-queue trigger (chart: identityOwner keda)
		this.keda = Role.Builder.create(this, "Keda")
			.roleName(roleName(environment, "keda"))
			.description("KEDA operator: reads Kiln's queue depth for the aws-sqs-queue trigger")
			.assumedBy(podIdentityPrincipal())
			.inlinePolicies(Map.of("keda", document(List.of(allow("ReadLaneDepth", jobs, "sqs:GetQueueAttributes")))))
			.build();
	}

	private Role role(String id, String environment, Service service, List<PolicyStatement> statements) {
		return Role.Builder.create(this, id)
			.roleName(roleName(environment, service.component()))
			.description("Kiln " + service.component() + " (EKS Pod Identity), least privilege")
			.assumedBy(podIdentityPrincipal())
			.inlinePolicies(Map.of("kiln-" + service.component(), document(statements)))
			.build();
	}

	static String roleName(String environment, String component) {
		return "kiln-" + environment + "-" + component;
	}

	private static PolicyDocument document(List<PolicyStatement> statements) {
		return PolicyDocument.Builder.create().statements(statements).build();
	}

	private static PolicyStatement allow(String sid, List<String> resources, String... actions) {
		return PolicyStatement.Builder.create()
			.sid(sid)
			.actions(List.of(actions))
			.resources(resources)
			.build();
	}

	private static PolicyStatement allowListing(String bucketArn, String prefix) {
		return PolicyStatement.Builder.create()
			.sid("ListOutputs")
			.actions(List.of("s3:ListBucket"))
			.resources(List.of(bucketArn))
			.conditions(Map.of("StringLike", Map.of("s3:prefix", prefix + "*")))
			.build();
	}

	private static List<String> arns(List<IQueue> queues) {
		List<String> arns = new ArrayList<>();
		for (IQueue queue : queues) {
			arns.add(queue.getQueueArn());
		}
		return arns;
	}

	Role role(Service service) {
		return this.roles.get(service);
	}

	Map<Service, Role> roles() {
		return this.roles;
	}

	Role keda() {
		return this.keda;
	}

}
