package dev.kiln.queue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.queue.lifecycle.JobStateMachine;

/**
 * One running queue service shared by the operations tests (dead letters, redrive, admin API, stuck jobs,
 * retention), against the embedded SQS, S3 and Redis. Its scheduled sweeps are slowed down so that each test drives
 * them itself, and its webhook dispatcher is off (no operations test sends webhooks): this context stays cached while
 * other test classes run, and a dispatcher polling the shared due set would claim their deliveries (and refuse their
 * http:// receivers). Queue prefix and bucket are its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.provision=true", "kiln.queues.prefix=qsops", "kiln.storage.bucket=qsops-images",
				"kiln.queues.visibility-timeout=1s", "kiln.queues.max-receive-count=2", "kiln.retention=1h",
				"kiln.lanes.dead-letter-interval=1h", "kiln.stuck-jobs.interval=1h", "kiln.stuck-jobs.threshold=1s",
				"kiln.retention-sweep.interval=1h", "kiln.outbox.interval=1h", "kiln.outbox.grace=2s",
				"kiln.webhooks.enabled=false",
				"spring.cloud.aws.sqs.listener.poll-timeout=1s" })
public abstract class OperationsContext {

	protected static final QueueNames QUEUES = new QueueNames("qsops");

	protected static final String BUCKET = "qsops-images";

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	protected int port;

	@Autowired
	protected SqsAsyncClient sqs;

	@Autowired
	protected S3Client s3;

	@Autowired
	protected StringRedisTemplate redis;

	@Autowired
	protected JobStateMachine stateMachine;

	@Autowired
	protected JsonMapper json;

	@Autowired
	protected MeterRegistry meters;

	@BeforeEach
	void purgeQueues() {
		for (Lane lane : Lane.values()) {
			this.sqs.purgeQueue((request) -> request.queueUrl(url(QUEUES.deadLetters(lane)))).join();
			this.sqs.purgeQueue((request) -> request.queueUrl(url(QUEUES.jobs(lane)))).join();
		}
	}

	/** A job recorded as QUEUED in its lane, as the gateway records it, submitted a few seconds ago. */
	protected JobMessage queuedJob(Lane lane, String tenant) {
		String id = JobIds.next();
		JobMessage message = new JobMessage(1, id, tenant, "test-model", "p", null, 64, 64, 4, 7.5, 1, 1, lane,
				Instant.now().minusSeconds(5), null);
		this.redis.opsForHash()
			.putAll(RedisKeys.job(id),
					Map.of(JobFields.STATE, "QUEUED", JobFields.LANE, lane.wireName(), JobFields.ATTEMPT, "0",
							JobFields.TENANT, tenant, JobFields.TOTAL_STEPS, "4", JobFields.REQUEST,
							this.json.writeValueAsString(message)));
		this.redis.opsForZSet().add(RedisKeys.laneQueued(lane), id, message.submittedAt().toEpochMilli());
		this.redis.opsForZSet().add(RedisKeys.tenantJobs(tenant), id, message.submittedAt().toEpochMilli());
		return message;
	}

	protected void send(String url, JobMessage message) {
		String body = this.json.writeValueAsString(message);
		this.sqs.sendMessage((request) -> request.queueUrl(url).messageBody(body)).join();
	}

	protected List<Message> receive(String url) {
		return this.sqs.receiveMessage((request) -> request.queueUrl(url).waitTimeSeconds(1)).join().messages();
	}

	protected long depth(String queue) {
		return this.sqs
			.getQueueAttributes((request) -> request.queueUrl(url(queue))
				.attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
						QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
			.join()
			.attributes()
			.values()
			.stream()
			.mapToLong(Long::parseLong)
			.sum();
	}

	protected String field(String id, String field) {
		return (String) this.redis.opsForHash().get(RedisKeys.job(id), field);
	}

	protected String url(String queue) {
		return this.sqs.getQueueUrl((request) -> request.queueName(queue)).join().queueUrl();
	}

}
