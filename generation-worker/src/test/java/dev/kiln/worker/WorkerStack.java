package dev.kiln.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.test.context.DynamicPropertyRegistry;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the worker's end-to-end tests set up alike on the shared embedded stack: Kiln's queues under the test's own
 * prefix, created before the context starts (the receive loop starts with it), the bucket {@code {prefix}-images},
 * jobs sent to their lane's queue, a job's events read off the events queue, and its objects read from the bucket.
 * {@link #register} and {@link #exportedModel} go in a {@code @DynamicPropertySource}; an instance serves one test
 * class with the context's clients.
 */
final class WorkerStack {

	private final QueueNames queues;

	private final String bucket;

	private final SqsAsyncClient sqs;

	private final S3Client s3;

	private final JsonMapper json;

	/** The events read so far, by job. */
	private final Map<String, List<JobEvent>> seen = new HashMap<>();

	WorkerStack(String prefix, SqsAsyncClient sqs, S3Client s3, JsonMapper json) {
		this.queues = new QueueNames(prefix);
		this.bucket = prefix + "-images";
		this.sqs = sqs;
		this.s3 = s3;
		this.json = json;
	}

	/**
	 * Registers the shared stack's endpoints and creates the queues under {@code prefix}.
	 * @param registry the test's dynamic properties
	 * @param prefix the test's {@code kiln.queues.prefix}
	 */
	static void register(DynamicPropertyRegistry registry, String prefix) {
		SharedEmbeddedStack.register(registry);
		QueueNames names = new QueueNames(prefix);
		try (SqsClient sqs = SqsClient.builder()
			.endpointOverride(SharedEmbeddedStack.get().sqs().endpoint())
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k")))
			.build()) {
			for (Lane lane : Lane.values()) {
				sqs.createQueue((b) -> b.queueName(names.jobs(lane)));
			}
			sqs.createQueue((b) -> b.queueName(names.events()));
		}
	}

	/**
	 * Points a model at the stand-in tools/export-model wrote where the Maven build says.
	 * @param registry the test's dynamic properties
	 * @param model the model id under {@code kiln.worker.models}
	 * @param property the system property naming the export's folder ({@code kiln.exported-model},
	 * {@code kiln.exported-sdxl})
	 */
	static void exportedModel(DynamicPropertyRegistry registry, String model, String property) {
		String exported = System.getProperty(property);
		assertThat(exported).as("system property " + property + " (set by the Maven build)").isNotBlank();
		registry.add("kiln.worker.models." + model + ".location", () -> "file:" + exported + "/model");
	}

	/**
	 * Creates the bucket {@code {prefix}-images}; once per test class.
	 * @param s3 the context's client
	 * @param prefix the test's prefix
	 */
	static void createBucket(S3Client s3, String prefix) {
		s3.createBucket((b) -> b.bucket(prefix + "-images"));
	}

	/** Sends a job to its lane's queue. */
	void send(JobMessage job) {
		String body = this.json.writeValueAsString(job);
		this.sqs.sendMessage((b) -> b.queueUrl(url(this.queues.jobs(job.lane()))).messageBody(body)).join();
	}

	/**
	 * Reads the events queue until the job has an event of one of the types, within two minutes.
	 * @param jobId the job
	 * @param last the types that end the wait
	 * @return the job's events so far, in the order read
	 */
	List<JobEvent> awaitEvents(String jobId, JobEventType... last) {
		String events = url(this.queues.events());
		await().atMost(Duration.ofSeconds(120)).until(() -> {
			for (Message message : this.sqs
				.receiveMessage((b) -> b.queueUrl(events).maxNumberOfMessages(10).waitTimeSeconds(1))
				.join()
				.messages()) {
				JobEvent event = this.json.readValue(message.body(), JobEvent.class);
				this.seen.computeIfAbsent(event.jobId(), (id) -> new ArrayList<>()).add(event);
				this.sqs.deleteMessage((b) -> b.queueUrl(events).receiptHandle(message.receiptHandle())).join();
			}
			return this.seen.getOrDefault(jobId, List.of())
				.stream()
				.anyMatch((event) -> List.of(last).contains(event.type()));
		});
		return new ArrayList<>(this.seen.get(jobId));
	}

	/** An object's bytes from the bucket. */
	byte[] object(String key) {
		return this.s3.getObject((b) -> b.bucket(this.bucket).key(key), ResponseTransformer.toBytes()).asByteArray();
	}

	private String url(String queue) {
		return this.sqs.getQueueUrl((b) -> b.queueName(queue)).join().queueUrl();
	}

}
