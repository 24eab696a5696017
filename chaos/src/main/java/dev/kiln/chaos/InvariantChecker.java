package dev.kiln.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;

/**
 * Reads what the run left behind (job records and their event streams in Redis, objects in S3, messages in SQS) into
 * {@link JobObservation}s for {@link ChaosReport}. Read-only: records are read as the services read them, through
 * {@link JobStore#find}.
 */
final class InvariantChecker {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final QueueNames QUEUES = new QueueNames(ChaosStack.PREFIX);

	private final ChaosStack stack;

	private final JobStore store;

	InvariantChecker(ChaosStack stack) {
		this.stack = stack;
		this.store = new JobStore(stack.redisClient);
	}

	/** Jobs recorded for the run's tenant (the gateway's tenant index). */
	Set<String> recordedJobs() {
		Set<String> ids = this.stack.redisClient.opsForZSet().range(RedisKeys.tenantJobs(ChaosStack.TENANT), 0, -1);
		return (ids != null) ? ids : Set.of();
	}

	/** How many accepted or recorded jobs are not (yet) in a terminal state, a missing record included. */
	int unfinished(Set<String> accepted) {
		Set<String> ids = new LinkedHashSet<>(accepted);
		ids.addAll(recordedJobs());
		int unfinished = 0;
		for (String id : ids) {
			JobRecord record = this.store.find(id);
			if (record == null || !record.terminal()) {
				unfinished++;
			}
		}
		return unfinished;
	}

	/** Whether every accepted and recorded job is in a terminal state. */
	boolean allFinished(Set<String> accepted) {
		return unfinished(accepted) == 0;
	}

	/**
	 * What is still moving, for the settle log: unfinished jobs by state (with up to five examples and their attempt,
	 * worker and last update) and each jobs queue's visible, in-flight and delayed messages.
	 */
	String progress(Set<String> accepted) {
		Set<String> ids = new LinkedHashSet<>(accepted);
		ids.addAll(recordedJobs());
		Map<String, Integer> byState = new java.util.TreeMap<>();
		List<String> examples = new ArrayList<>();
		for (String id : ids) {
			JobRecord record = this.store.find(id);
			if (record != null && record.terminal()) {
				continue;
			}
			String name = (record != null) ? String.valueOf(record.state()) : "NO_RECORD";
			byState.merge(name, 1, Integer::sum);
			if (examples.size() < 5) {
				examples.add(id + " " + name + ((record != null) ? " attempt=" + record.attempt() + " worker="
						+ record.workerId() + " updatedAt=" + record.updatedAt() : ""));
			}
		}
		StringBuilder out = new StringBuilder("unfinished ").append(byState);
		for (Lane lane : Lane.values()) {
			out.append("; ").append(lane.name().toLowerCase(java.util.Locale.ROOT)).append(' ')
				.append(attributes(QUEUES.jobs(lane)));
		}
		if (!examples.isEmpty()) {
			out.append("; e.g. ").append(String.join(", ", examples));
		}
		return out.toString();
	}

	/** Messages in the jobs queues: visible, in flight or delayed. */
	int messagesInJobQueues() {
		int total = 0;
		for (Lane lane : Lane.values()) {
			total += messages(QUEUES.jobs(lane));
		}
		return total;
	}

	/** Messages in the dead-letter queues: each lane's and the events'. */
	int deadLetters() {
		int total = messages(QUEUES.eventsDeadLetters());
		for (Lane lane : Lane.values()) {
			total += messages(QUEUES.deadLetters(lane));
		}
		return total;
	}

	private int messages(String queue) {
		return attributes(queue).values().stream().mapToInt(Integer::parseInt).sum();
	}

	private Map<QueueAttributeName, String> attributes(String queue) {
		String url = this.stack.sqsClient.getQueueUrl((b) -> b.queueName(queue)).queueUrl();
		return new java.util.TreeMap<>(this.stack.sqsClient
			.getQueueAttributes((b) -> b.queueUrl(url)
				.attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
						QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
						QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
			.attributes());
	}

	/**
	 * Observes every accepted or recorded job.
	 * @param accepted accepted job ids to the number of images each asked for
	 * @param orphans receives the S3 keys that belong to no observed job
	 * @return one observation per job
	 */
	List<JobObservation> observe(Map<String, Integer> accepted, List<String> orphans) {
		Map<String, Set<String>> outputs = new HashMap<>();
		String root = "jobs/" + ChaosStack.TENANT + "/";
		List<String> foreign = new ArrayList<>();
		for (S3Object object : this.stack.s3Client
			.listObjectsV2Paginator((b) -> b.bucket(ChaosStack.BUCKET))
			.contents()) {
			String key = object.key();
			if (!key.startsWith(root)) {
				foreign.add(key);
				continue;
			}
			String id = key.substring(root.length()).split("/", 2)[0];
			outputs.computeIfAbsent(id, (k) -> new HashSet<>()).add(key);
		}
		Set<String> ids = new LinkedHashSet<>(accepted.keySet());
		ids.addAll(recordedJobs());
		List<JobObservation> observations = new ArrayList<>();
		for (String id : ids) {
			observations.add(observe(id, accepted, outputs.getOrDefault(id, Set.of())));
		}
		orphans.addAll(foreign);
		outputs.forEach((id, keys) -> {
			if (!ids.contains(id)) {
				orphans.addAll(keys);
			}
		});
		return observations;
	}

	private JobObservation observe(String id, Map<String, Integer> accepted, Set<String> outputs) {
		JobRecord record = this.store.find(id);
		int terminal = 0;
		int starts = 0;
		List<MapRecord<String, Object, Object>> entries = this.stack.redisClient.opsForStream()
			.range(RedisKeys.jobEvents(id), Range.unbounded());
		for (MapRecord<String, Object, Object> entry : (entries != null) ? entries
				: List.<MapRecord<String, Object, Object>>of()) {
			Map<Object, Object> fields = entry.getValue();
			if (!"state".equals(fields.get("kind"))) {
				continue;
			}
			Object state = fields.get("state");
			if ("RUNNING".equals(state)) {
				starts++;
			}
			else if ("SUCCEEDED".equals(state) || "FAILED".equals(state) || "CANCELLED".equals(state)) {
				terminal++;
			}
		}
		Integer images = accepted.get(id);
		if (images == null) {
			images = requestedImages((record != null) ? record.request() : null);
		}
		if (record == null) {
			return new JobObservation(id, accepted.containsKey(id), false, null, null, null, terminal, starts, images,
					outputs);
		}
		return new JobObservation(id, accepted.containsKey(id), true,
				(record.state() != null) ? record.state().name() : null, record.errorType(), record.errorDetail(),
				terminal, starts, images, outputs);
	}

	private static int requestedImages(@Nullable String json) {
		if (json == null) {
			return 1;
		}
		try {
			return JSON.readTree(json).path("numImages").asInt(1);
		}
		catch (RuntimeException ex) {
			return 1;
		}
	}

}
