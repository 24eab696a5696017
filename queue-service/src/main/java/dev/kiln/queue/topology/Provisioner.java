package dev.kiln.queue.topology;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.kiln.queue.QueueServiceProperties;

/**
 * Creates the queues and the bucket at start-up when {@code kiln.provision=true}, before any listener starts.
 * Idempotent: existing queues get their attributes reconciled, an existing bucket is left alone.
 */
@Component
class Provisioner implements InitializingBean {

	private static final Logger logger = LoggerFactory.getLogger(Provisioner.class);

	private final SqsAsyncClient sqs;

	private final S3Client s3;

	private final QueueServiceProperties properties;

	Provisioner(SqsAsyncClient sqs, S3Client s3, QueueServiceProperties properties) {
		this.sqs = sqs;
		this.s3 = s3;
		this.properties = properties;
	}

	@Override
	public void afterPropertiesSet() {
		if (this.properties.provision()) {
			provision();
		}
	}

	/** Creates or reconciles every queue and the bucket. */
	void provision() {
		QueueTopology topology = new QueueTopology(this.properties.queues());
		Map<String, String> arns = new HashMap<>();
		for (QueueTopology.Queue queue : topology.queues()) {
			String url = this.sqs.createQueue((request) -> request.queueName(queue.name())).join().queueUrl();
			Map<QueueAttributeName, String> attributes = new LinkedHashMap<>(queue.attributes());
			if (queue.deadLetterQueue() != null) {
				attributes.put(QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\""
						+ arns.get(queue.deadLetterQueue()) + "\",\"maxReceiveCount\":\"" + topology.maxReceiveCount() + "\"}");
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
		String bucket = this.properties.storage().bucket();
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
	}

	private void createBucket(String bucket) {
		this.s3.createBucket((request) -> request.bucket(bucket));
		logger.info("Bucket {} created", bucket);
	}

}
