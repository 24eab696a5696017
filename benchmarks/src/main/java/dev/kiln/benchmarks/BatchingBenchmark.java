package dev.kiln.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.EmbeddedStack;
import dev.kiln.worker.GenerationWorkerApplication;

/**
 * Images per second of one real generation worker (its receive loop, SQS, S3, Redis, events) draining a backlog of
 * jobs on the standard lane: batch 1 ({@code kiln.worker.batching.enabled=false}, {@code receive-batch=1}) against
 * dynamic batching (the defaults, {@code max-wait} 20 ms, with {@code kiln.worker.batching.cpu=true} so that it also
 * fills passes on a CPU), for the built-in model and the exported-TorchScript
 * stand-in, in one run. Per round and mode a worker starts (serving both models), renders a warm-up backlog of each
 * model, then for each model the whole backlog is sent at once (SendMessageBatch, 10 per call) and timed from the
 * first send until the lane's queue is empty (every job's PNG, metadata and SUCCEEDED are out and its message
 * deleted). Modes alternate order between rounds.
 */
final class BatchingBenchmark {

	static final String BUILTIN = "kiln-builtin";

	static final String STANDIN = "standin-sd1";

	static final List<String> MODES = List.of("batch 1", "dynamic batching");

	private static final QueueNames QUEUES = new QueueNames("kbatch");

	private static final String BUCKET = "kbatch-images";

	private final int backlog;

	private final int rounds;

	private final Map<String, Shape> shapes;

	private final JsonMapper json = JsonMapper.builder().build();

	/**
	 * The job shape of each model.
	 *
	 * @param width width
	 * @param height height
	 * @param steps steps
	 */
	record Shape(int width, int height, int steps) {
	}

	/**
	 * One drained backlog.
	 *
	 * @param imagesPerSecond jobs (one image each) over the time from the first send to an empty queue
	 * @param batchSizes per job, the batch it rendered in (its {@code metadata.json})
	 */
	record Drain(double imagesPerSecond, List<Integer> batchSizes) {

		double meanBatch() {
			return this.batchSizes.stream().mapToInt(Integer::intValue).average().orElse(Double.NaN);
		}

	}

	private final Path standin;

	private final String device;

	/**
	 * @param backlog jobs per measured backlog
	 * @param rounds rounds per mode
	 * @param shapes the job shape per model ({@link #BUILTIN}, {@link #STANDIN})
	 * @param model the exported model folder served as {@link #STANDIN} (the stand-in, or a real export on a GPU)
	 * @param device {@code cpu} or {@code gpu}
	 */
	BatchingBenchmark(int backlog, int rounds, Map<String, Shape> shapes, Path model, String device) {
		this.backlog = backlog;
		this.rounds = rounds;
		this.shapes = shapes;
		this.standin = model;
		this.device = device;
	}

	/**
	 * Runs the rounds.
	 * @return by model, by mode, one drain per round
	 */
	Map<String, Map<String, List<Drain>>> run() throws Exception {
		Path standin = this.standin;
		Path builtin = Files.createTempDirectory("kiln-bench-batching");
		Map<String, Map<String, List<Drain>>> results = new LinkedHashMap<>();
		for (String model : this.shapes.keySet()) {
			Map<String, List<Drain>> byMode = new LinkedHashMap<>();
			MODES.forEach((mode) -> byMode.put(mode, new ArrayList<>()));
			results.put(model, byMode);
		}
		try (EmbeddedStack stack = EmbeddedStack.start(0, 0, 0);
				SqsClient sqs = SqsClient.builder()
					.endpointOverride(stack.sqs().endpoint())
					.region(Region.of(EmbeddedStack.REGION))
					.credentialsProvider(credentials())
					.build();
				S3Client s3 = S3Client.builder()
					.endpointOverride(stack.s3().endpoint())
					.region(Region.of(EmbeddedStack.REGION))
					.credentialsProvider(credentials())
					.forcePathStyle(true)
					.build()) {
			for (Lane lane : Lane.values()) {
				sqs.createQueue((b) -> b.queueName(QUEUES.jobs(lane)));
			}
			sqs.createQueue((b) -> b.queueName(QUEUES.events()));
			s3.createBucket((b) -> b.bucket(BUCKET));
			String jobs = sqs.getQueueUrl((b) -> b.queueName(QUEUES.jobs(Lane.STANDARD))).queueUrl();
			String events = sqs.getQueueUrl((b) -> b.queueName(QUEUES.events())).queueUrl();
			for (int round = 0; round < this.rounds; round++) {
				List<String> order = new ArrayList<>(MODES);
				if (round % 2 == 1) {
					java.util.Collections.reverse(order);
				}
				for (String mode : order) {
					try (ConfigurableApplicationContext worker = worker(stack, mode, builtin, standin, this.device)) {
						for (Map.Entry<String, Shape> model : this.shapes.entrySet()) {
							drain(sqs, s3, jobs, model.getKey(), model.getValue(), 16); // warm-up
							Drain drain = drain(sqs, s3, jobs, model.getKey(), model.getValue(), this.backlog);
							results.get(model.getKey()).get(mode).add(drain);
							Report.progress("batching round %d, %s, %s: %.2f images/s, mean batch %.2f", round + 1,
									model.getKey(), mode, drain.imagesPerSecond(), drain.meanBatch());
							sqs.purgeQueue((b) -> b.queueUrl(events));
						}
					}
				}
			}
		}
		return results;
	}

	private static ConfigurableApplicationContext worker(EmbeddedStack stack, String mode, Path builtin,
			Path standin, String device) {
		List<String> args = new ArrayList<>();
		args.add("--server.port=0");
		stack.serviceProperties().forEach((key, value) -> args.add("--" + key + "=" + value));
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("kiln.queues.prefix", "kbatch");
		properties.put("kiln.storage.bucket", BUCKET);
		properties.put("kiln.worker.id", "bench-batching");
		properties.put("kiln.worker.model-cache", builtin.resolve("cache").toString());
		properties.put("kiln.worker.models." + BUILTIN + ".type", "builtin");
		properties.put("kiln.worker.models." + BUILTIN + ".location", "file:" + builtin.resolve(BUILTIN));
		properties.put("kiln.worker.models." + BUILTIN + ".max-pixels", "262144");
		properties.put("kiln.worker.models." + BUILTIN + ".device", device);
		properties.put("kiln.worker.models." + STANDIN + ".type", "sd-torchscript");
		properties.put("kiln.worker.models." + STANDIN + ".location", "file:" + standin);
		properties.put("kiln.worker.models." + STANDIN + ".device", device);
		properties.put("kiln.worker.checkpoint-every", "0");
		properties.put("logging.level.root", "WARN");
		properties.put("logging.level.com.robothy.netty.codec.HttpMessageHandler", "OFF");
		if (mode.equals(MODES.get(0))) {
			properties.put("kiln.worker.batching.enabled", "false");
			properties.put("kiln.worker.receive-batch", "1");
		}
		else {
			// on a CPU the worker fills passes only when asked to (kiln.worker.batching.cpu, off by default)
			properties.put("kiln.worker.batching.cpu", "true");
		}
		properties.forEach((key, value) -> args.add("--" + key + "=" + value));
		return new SpringApplicationBuilder(GenerationWorkerApplication.class).bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.run(args.toArray(String[]::new));
	}

	/** Sends {@code count} jobs at once and waits until the worker has deleted every one. */
	private Drain drain(SqsClient sqs, S3Client s3, String queue, String model, Shape shape, int count)
			throws InterruptedException {
		List<JobMessage> jobs = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			jobs.add(new JobMessage(1, JobIds.next(), "bench", model, "a lighthouse at dusk, study " + i, null,
					shape.width(), shape.height(), shape.steps(), 7.5, 1000 + i, 1, Lane.STANDARD, Instant.now(), null));
		}
		long begin = System.nanoTime();
		for (int i = 0; i < jobs.size(); i += 10) {
			List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
			for (JobMessage job : jobs.subList(i, Math.min(i + 10, jobs.size()))) {
				entries.add(SendMessageBatchRequestEntry.builder()
					.id(Integer.toString(entries.size()))
					.messageBody(this.json.writeValueAsString(job))
					.build());
			}
			sqs.sendMessageBatch((b) -> b.queueUrl(queue).entries(entries));
		}
		long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
		while (inQueue(sqs, queue) > 0) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("The worker did not drain " + count + " " + model + " jobs in 10 min");
			}
			Thread.sleep(10);
		}
		double seconds = (System.nanoTime() - begin) / 1e9;
		List<Integer> sizes = new ArrayList<>();
		for (JobMessage job : jobs) {
			byte[] bytes = s3.getObject((b) -> b.bucket(BUCKET).key(ObjectKeys.metadata("bench", job.jobId())),
					ResponseTransformer.toBytes()).asByteArray();
			JsonNode metadata = this.json.readTree(bytes);
			sizes.add(metadata.get("batchSize").asInt());
		}
		return new Drain(count / seconds, sizes);
	}

	private static int inQueue(SqsClient sqs, String queue) {
		Map<QueueAttributeName, String> attributes = sqs
			.getQueueAttributes((b) -> b.queueUrl(queue)
				.attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
						QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
			.attributes();
		return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
				+ Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
	}

	private static StaticCredentialsProvider credentials() {
		return StaticCredentialsProvider.create(AwsBasicCredentials.create("kiln-local", "kiln-local"));
	}

}
