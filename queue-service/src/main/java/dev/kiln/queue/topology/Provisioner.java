package dev.kiln.queue.topology;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.support.config.SharedProperties;

/**
 * Creates the queues and the bucket at start-up when {@code kiln.provision=true}, before any listener starts.
 * Idempotent: existing queues get their attributes reconciled, an existing bucket is left alone. The bucket gets a
 * lifecycle rule expiring job outputs ({@value #OUTPUTS_PREFIX}) after {@code kiln.retention}; a store that has no
 * lifecycle support (the local stack's) is left without one and the retention sweep deletes old outputs instead.
 */
@Component
@ConditionalOnBooleanProperty("kiln.provision")
class Provisioner implements InitializingBean {

	private static final Logger logger = LoggerFactory.getLogger(Provisioner.class);

	/** Where job outputs live in the bucket; the lifecycle rule expires everything under it. */
	static final String OUTPUTS_PREFIX = "jobs/";

	/** Id of the lifecycle rule, replaced on every provisioning. */
	static final String LIFECYCLE_RULE_ID = "kiln-retention";

	private final SqsAsyncClient sqs;

	private final S3Client s3;

	private final QueueTopology topology;

	@Autowired
	Provisioner(SqsAsyncClient sqs, S3Client s3, QueueServiceProperties properties, SharedProperties shared) {
		this(sqs, s3, QueueTopology.of(properties, shared));
	}

	Provisioner(SqsAsyncClient sqs, S3Client s3, QueueTopology topology) {
		this.sqs = sqs;
		this.s3 = s3;
		this.topology = topology;
	}

	@Override
	public void afterPropertiesSet() {
		provision();
	}

	/** Creates or reconciles every queue and the bucket. */
	void provision() {
		Map<String, String> arns = new HashMap<>();
		for (QueueTopology.Queue queue : this.topology.queues()) {
			String url = this.sqs.createQueue((request) -> request.queueName(queue.name())).join().queueUrl();
			Map<QueueAttributeName, String> attributes = new LinkedHashMap<>(queue.attributes());
			if (queue.deadLetterQueue() != null) {
				attributes.put(QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\""
						+ arns.get(queue.deadLetterQueue()) + "\",\"maxReceiveCount\":\"" + this.topology.maxReceiveCount() + "\"}");
			}
			this.sqs.setQueueAttributes((request) -> request.queueUrl(url).attributes(attributes)).join();
			String arn = this.sqs
				.getQueueAttributes((request) -> request.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
				.join()
				.attributes()
				.get(QueueAttributeName.QUEUE_ARN);
			arns.put(queue.name(), arn);
			logger.info("Queue {} ready ({})", queue.name(), attributes);
		}
		String bucket = this.topology.bucket();
		try {
			this.s3.headBucket((request) -> request.bucket(bucket));
			logger.info("Bucket {} exists", bucket);
		}
		catch (NoSuchBucketException ex) {
			createBucket(bucket);
		}
		catch (S3Exception ex) {
			if (ex.statusCode() != 404) {
				throw ex;
			}
			createBucket(bucket);
		}
		expireOutputs(bucket);
	}

	/** Whole days for an S3 expiration rule: {@code retention} rounded up, at least one. */
	static int expirationDays(Duration retention) {
		long days = retention.toDays() + ((retention.toDays() * 86_400 < retention.toSeconds()) ? 1 : 0);
		return (int) Math.max(1, Math.min(Integer.MAX_VALUE, days));
	}

	void expireOutputs(String bucket) {
		int days = expirationDays(this.topology.retention());
		LifecycleRule rule = LifecycleRule.builder()
			.id(LIFECYCLE_RULE_ID)
			.filter((filter) -> filter.prefix(OUTPUTS_PREFIX))
			.status(ExpirationStatus.ENABLED)
			.expiration((expiration) -> expiration.days(days))
			.build();
		try {
			this.s3.putBucketLifecycleConfiguration(
					(request) -> request.bucket(bucket).lifecycleConfiguration((config) -> config.rules(rule)));
			logger.info("Bucket {} expires {} after {} day(s)", bucket, OUTPUTS_PREFIX, days);
		}
		catch (SdkException ex) {
			logger.warn("Bucket {} accepts no lifecycle rule ({}); the retention sweep deletes old outputs instead",
					bucket, ex.getMessage());
		}
	}

	private void createBucket(String bucket) {
		this.s3.createBucket((request) -> request.bucket(bucket));
		logger.info("Bucket {} created", bucket);
	}

}
