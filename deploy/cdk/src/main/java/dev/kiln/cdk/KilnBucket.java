package dev.kiln.cdk;

import java.util.List;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.constructs.Construct;

/**
 * The bucket of job outputs: public access blocked, SSE-KMS with a customer-managed key (bucket key on, so KMS is
 * called per object rather than per request), TLS enforced, objects owned by the bucket owner, and the topology's
 * lifecycle rule expiring {@code jobs/} after the record retention.
 */
final class KilnBucket extends Construct {

	private final Bucket bucket;

	private final Key key;

	KilnBucket(Construct scope, String id, KilnTopology topology) {
		super(scope, id);
		this.key = Key.Builder.create(this, "Key")
			.description("Kiln job outputs (" + topology.bucket() + ")")
			.enableKeyRotation(true)
			.removalPolicy(RemovalPolicy.RETAIN)
			.build();
		this.bucket = Bucket.Builder.create(this, "Bucket")
			.bucketName(topology.bucket())
			.blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
			.encryption(BucketEncryption.KMS)
			.encryptionKey(this.key)
			.bucketKeyEnabled(true)
			.enforceSsl(true)
			.objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
			.lifecycleRules(List.of(LifecycleRule.builder()
				.id("expire-job-outputs")
				.prefix(topology.lifecyclePrefix())
				.expiration(Duration.days(topology.expirationDays()))
				.abortIncompleteMultipartUploadAfter(Duration.days(1))
				.build()))
			.removalPolicy(RemovalPolicy.RETAIN)
			.build();
	}

	Bucket bucket() {
		return this.bucket;
	}

	Key key() {
		return this.key;
	}

}
