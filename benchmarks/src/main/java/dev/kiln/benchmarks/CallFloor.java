package dev.kiln.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.core.StringRedisTemplate;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobContext;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.jobstore.Transition;

/**
 * The floor of the end-to-end overhead: the SQS, S3 and Redis calls one job needs, made directly one after another
 * with the services' own clients (their Spring beans) against the same embedded servers, and nothing else: no HTTP,
 * no JSON, no Kiln code between them. Each call is timed on its own; {@link #HOPS} maps them onto the rows of
 * {@link EndToEndBenchmark#HOPS}.
 *
 * <p>
 * The job the state script finishes is a copy of a real one, written through the job store like every job (created,
 * then started by a worker's event), ahead of the sample that times it: creating it announces it to the advisor, whose
 * decision must not overlap the timed calls.
 */
final class CallFloor {

	/** The calls, in the order a job makes them. */
	static final String SEND_JOB = "SendMessage (job body, gateway's SQS client)",
			RECEIVE_JOB = "ReceiveMessage (job, long poll, worker's client)", PUT_IMAGE = "PutObject (the PNG)",
			PUT_METADATA = "PutObject (metadata.json)", SEND_EVENT = "SendMessage (SUCCEEDED, worker's client)",
			RECEIVE_EVENT = "ReceiveMessage (event, long poll, queue service's client)",
			APPLY = "EVALSHA apply-event.lua (queue service's Redis template)",
			DELETE_JOB = "DeleteMessage (job)", DELETE_EVENT = "DeleteMessage (event)";

	static final List<String> CALLS = List.of(SEND_JOB, RECEIVE_JOB, PUT_IMAGE, PUT_METADATA, SEND_EVENT,
			RECEIVE_EVENT, APPLY, DELETE_JOB, DELETE_EVENT);

	/**
	 * Which calls are the floor of which hop of {@link EndToEndBenchmark#HOPS}. A hop not here has no floor
	 * counterpart. The two deletes are in no hop: Kiln makes them after the event is sent (the worker) and in batches
	 * after the event is applied (the queue service), off the measured path.
	 */
	static final Map<String, List<String>> HOPS = hops();

	/** The floor's total: every call on the path, the deletes left out. */
	static final String TOTAL = "total − render";

	private final BenchStack stack;

	private final SqsAsyncClient gatewaySqs;

	private final SqsAsyncClient workerSqs;

	private final SqsAsyncClient queueServiceSqs;

	private final S3Client workerS3;

	/** The job store over the queue service's Redis template: the connection its state machine uses. */
	private final JobStore store;

	private final String jobsQueue;

	private final String eventsQueue;

	private int sample;

	private Model model;

	/** The job the next sample finishes, {@code RUNNING}. */
	private @Nullable Prepared next;

	CallFloor(BenchStack stack) {
		this.stack = stack;
		this.gatewaySqs = stack.bean(BenchStack.Service.GATEWAY, SqsAsyncClient.class);
		this.workerSqs = stack.bean(BenchStack.Service.WORKER, SqsAsyncClient.class);
		this.queueServiceSqs = stack.bean(BenchStack.Service.QUEUE_SERVICE, SqsAsyncClient.class);
		this.workerS3 = stack.bean(BenchStack.Service.WORKER, S3Client.class);
		this.store = new JobStore(stack.bean(BenchStack.Service.QUEUE_SERVICE, StringRedisTemplate.class));
		this.jobsQueue = stack.sqs().createQueue((b) -> b.queueName("bench-floor-jobs")).join().queueUrl();
		this.eventsQueue = stack.sqs().createQueue((b) -> b.queueName("bench-floor-events")).join().queueUrl();
	}

	/** What a floor sample sends and writes: copied from a job Kiln just ran. */
	private record Model(String tenant, String jobId, String body, int totalSteps, byte[] png, byte[] metadata,
			String event) {
	}

	/** A job recorded and started for a sample. */
	private record Prepared(String jobId, JobContext job) {
	}

	/**
	 * Takes the floor's payloads from a finished job: its message body (the record's {@code request}), its PNG and
	 * {@code metadata.json} as the worker wrote them; then prepares the first sample's job.
	 * @param tenant the job's tenant
	 * @param jobId a job that succeeded
	 */
	void copyFrom(String tenant, String jobId) {
		JobRecord record = this.store.find(jobId);
		if (record == null || record.request() == null) {
			throw new IllegalStateException("No record of job " + jobId + " to copy");
		}
		byte[] png = this.stack.s3()
			.getObjectAsBytes((b) -> b.bucket(BenchStack.BUCKET).key(ObjectKeys.image(tenant, jobId, 0)))
			.asByteArray();
		byte[] metadata = this.stack.s3()
			.getObjectAsBytes((b) -> b.bucket(BenchStack.BUCKET).key(ObjectKeys.metadata(tenant, jobId)))
			.asByteArray();
		String event = Http.JSON.writeValueAsString(JobEvent.succeeded(jobId, 1,
				List.of(ObjectKeys.image(tenant, jobId, 0), ObjectKeys.metadata(tenant, jobId)), 1, "bench-worker-1",
				Instant.now(), 0.0005));
		this.model = new Model(tenant, jobId, record.request(), record.totalSteps(), png, metadata, event);
		this.next = prepare();
	}

	/**
	 * Records a copy of the model job with a new id through the job store, as the gateway records a job, and starts
	 * it as a worker's event does, so that it is {@code RUNNING} (attempt 1) for the state script. Its model is
	 * {@code bench-floor}, so that its render time stays out of the real model's statistics; it is not sent to SQS
	 * (the outbox is told so).
	 */
	private Prepared prepare() {
		Model m = this.model;
		String id = "floor-" + (this.sample++);
		JobMessage message = Http.JSON.readValue(m.body().replace(m.jobId(), id), JobMessage.class);
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put(JobFields.STATE, JobState.QUEUED.name());
		fields.put(JobFields.TENANT, message.tenant());
		fields.put(JobFields.LANE, message.lane().wireName());
		fields.put(JobFields.REQUEST, m.body().replace(m.jobId(), id));
		fields.put(JobFields.SUBMITTED_AT, message.submittedAt().toString());
		fields.put(JobFields.ATTEMPT, "0");
		fields.put(JobFields.STEP, "0");
		fields.put(JobFields.TOTAL_STEPS, Integer.toString(m.totalSteps()));
		JobStore.Created created = this.store.create(message, fields, null, Duration.ZERO, Integer.MAX_VALUE);
		this.store.sent(List.of(id));
		JobContext job = new JobContext(message.lane(), message.tenant(), "bench-floor",
				message.submittedAt().toEpochMilli());
		Transition started = this.store.apply(JobEvent.started(id, m.totalSteps(), 1, "bench-worker-1", Instant.now()),
				job, "[]", Duration.ofHours(1), Instant.now());
		if (created.outcome() != JobStore.CreateOutcome.CREATED || !started.movedTo(JobState.RUNNING)) {
			throw new IllegalStateException("Could not prepare the floor's job %s: %s, then %s".formatted(id,
					created.outcome(), started));
		}
		return new Prepared(id, job);
	}

	/**
	 * One floor sample: every call once, in a job's order.
	 * @return milliseconds per call, keyed as {@link #CALLS}
	 */
	Map<String, Double> once() {
		Model m = this.model;
		Prepared prepared = this.next;
		if (m == null || prepared == null) {
			throw new IllegalStateException("copyFrom first");
		}
		String id = prepared.jobId();
		JobContext job = prepared.job();
		Map<String, Double> ms = new LinkedHashMap<>();
		long t = System.nanoTime();
		this.gatewaySqs.sendMessage((b) -> b.queueUrl(this.jobsQueue).messageBody(m.body())).join();
		t = lap(ms, SEND_JOB, t);
		List<Message> jobs = this.workerSqs
			.receiveMessage((b) -> b.queueUrl(this.jobsQueue)
				.maxNumberOfMessages(1)
				.waitTimeSeconds(1)
				.messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
			.join()
			.messages();
		t = lap(ms, RECEIVE_JOB, t);
		String imageKey = ObjectKeys.image(m.tenant(), id, 0);
		String metadataKey = ObjectKeys.metadata(m.tenant(), id);
		this.workerS3.putObject((b) -> b.bucket(BenchStack.BUCKET).key(imageKey).contentType("image/png"),
				RequestBody.fromBytes(m.png()));
		t = lap(ms, PUT_IMAGE, t);
		this.workerS3.putObject((b) -> b.bucket(BenchStack.BUCKET).key(metadataKey).contentType("application/json"),
				RequestBody.fromBytes(m.metadata()));
		t = lap(ms, PUT_METADATA, t);
		String event = m.event().replace(m.jobId(), id);
		this.workerSqs.sendMessage((b) -> b.queueUrl(this.eventsQueue).messageBody(event)).join();
		t = lap(ms, SEND_EVENT, t);
		List<Message> events = this.queueServiceSqs
			.receiveMessage((b) -> b.queueUrl(this.eventsQueue).maxNumberOfMessages(10).waitTimeSeconds(1))
			.join()
			.messages();
		t = lap(ms, RECEIVE_EVENT, t);
		// the queue service's call: the job store's apply-event.lua (the state machine's rules in front of it)
		String outcome = this.store
			.apply(JobEvent.succeeded(id, m.totalSteps(), List.of(imageKey, metadataKey), 1, "bench-worker-1",
					Instant.now(), 0.0005), job, Http.JSON.writeValueAsString(List.of(imageKey, metadataKey)),
					Duration.ofHours(1), Instant.now())
			.toString();
		t = lap(ms, APPLY, t);
		if (jobs.size() != 1 || events.size() != 1 || !"RUNNING>SUCCEEDED".equals(outcome)) {
			throw new IllegalStateException("Floor sample went wrong: %d job message(s), %d event(s), script %s"
				.formatted(jobs.size(), events.size(), outcome));
		}
		this.workerSqs.deleteMessage((b) -> b.queueUrl(this.jobsQueue).receiptHandle(jobs.get(0).receiptHandle()))
			.join();
		t = lap(ms, DELETE_JOB, t);
		this.queueServiceSqs
			.deleteMessage((b) -> b.queueUrl(this.eventsQueue).receiptHandle(events.get(0).receiptHandle()))
			.join();
		lap(ms, DELETE_EVENT, t);
		// untimed clean-up (as the retention sweep deletes a finished job), and the next sample's job
		this.store.delete(id, RedisKeys.tenantJobs(job.tenant()));
		this.workerS3.deleteObject((b) -> b.bucket(BenchStack.BUCKET).key(imageKey));
		this.workerS3.deleteObject((b) -> b.bucket(BenchStack.BUCKET).key(metadataKey));
		this.next = prepare();
		return ms;
	}

	private static long lap(Map<String, Double> ms, String call, long from) {
		long now = System.nanoTime();
		ms.put(call, (now - from) / 1e6);
		return now;
	}

	private static Map<String, List<String>> hops() {
		Map<String, List<String>> hops = new LinkedHashMap<>();
		hops.put(EndToEndBenchmark.HOPS[0], List.of(SEND_JOB));
		hops.put(EndToEndBenchmark.HOPS[1], List.of(RECEIVE_JOB));
		hops.put(EndToEndBenchmark.HOPS[4], List.of(PUT_IMAGE, PUT_METADATA, SEND_EVENT, RECEIVE_EVENT, APPLY));
		hops.put(TOTAL, List.of(SEND_JOB, RECEIVE_JOB, PUT_IMAGE, PUT_METADATA, SEND_EVENT, RECEIVE_EVENT, APPLY));
		return hops;
	}

	/**
	 * Sums the calls of each hop, sample by sample.
	 * @param samples floor samples from {@link #once}
	 * @return milliseconds per sample, by hop name (and {@link #TOTAL}), and per call
	 */
	static Map<String, List<Double>> byHop(List<Map<String, Double>> samples) {
		Map<String, List<Double>> result = new LinkedHashMap<>();
		for (Map.Entry<String, List<String>> hop : HOPS.entrySet()) {
			List<Double> sums = new ArrayList<>();
			for (Map<String, Double> sample : samples) {
				sums.add(hop.getValue().stream().mapToDouble(sample::get).sum());
			}
			result.put(hop.getKey(), sums);
		}
		for (String call : CALLS) {
			result.put(call, samples.stream().map((sample) -> sample.get(call)).toList());
		}
		return result;
	}

}
