package dev.kiln.cdk;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import dev.kiln.queue.topology.TopologyCommand;

/**
 * Kiln's queues, dead-letter queues and bucket exactly as {@code kiln-queue-service topology --format=helm-values}
 * prints them: this class runs that command (the queue-service's own code, with the same {@code kiln.*} validation)
 * and reads its output, so the stack cannot drift from what {@code kiln.provision} creates locally.
 *
 * @param prefix queue name prefix
 * @param visibilityTimeoutSeconds visibility timeout of every work queue
 * @param messageRetentionSeconds retention of every work queue
 * @param deadLetterRetentionSeconds retention of every dead-letter queue
 * @param maxReceiveCount deliveries before a message moves to its dead-letter queue
 * @param queues every work queue with its dead-letter queue: the lanes' jobs queues, then the events queue
 * @param bucket the bucket of job outputs
 * @param lifecyclePrefix the key prefix the lifecycle rule expires
 * @param expirationDays days after which objects under {@code lifecyclePrefix} expire
 */
record KilnTopology(String prefix, int visibilityTimeoutSeconds, int messageRetentionSeconds,
		int deadLetterRetentionSeconds, int maxReceiveCount, List<WorkQueue> queues, String bucket,
		String lifecyclePrefix, int expirationDays) {

	private static final YAMLMapper YAML = YAMLMapper.builder().build();

	/**
	 * A work queue and its dead-letter queue.
	 *
	 * @param lane the lane's wire name, or {@code null} for the events queue
	 * @param name queue name
	 * @param deadLetterQueue dead-letter queue name
	 */
	record WorkQueue(String lane, String name, String deadLetterQueue) {

		boolean isJobs() {
			return this.lane != null;
		}

	}

	/**
	 * Runs the topology command.
	 * @param overrides {@code --kiln.*=value} arguments, as the queue-service takes them
	 * @return the topology it printed
	 */
	static KilnTopology of(List<String> overrides) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		List<String> args = new ArrayList<>();
		args.add("--format=helm-values");
		args.addAll(overrides);
		int status;
		try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
				PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
			status = TopologyCommand.run(args.toArray(String[]::new), outStream, errStream);
		}
		if (status != 0) {
			throw new IllegalArgumentException("queue-service topology " + String.join(" ", overrides) + " failed: "
					+ err.toString(StandardCharsets.UTF_8).strip());
		}
		return parse(out.toString(StandardCharsets.UTF_8));
	}

	/** Reads the command's Helm values. */
	static KilnTopology parse(String helmValues) {
		JsonNode root = YAML.readTree(helmValues);
		JsonNode queues = required(root, "queues");
		List<WorkQueue> workQueues = new ArrayList<>();
		for (JsonNode lane : required(queues, "lanes")) {
			workQueues.add(workQueue(required(lane, "lane").asString(), lane));
		}
		workQueues.add(workQueue(null, required(queues, "events")));
		JsonNode storage = required(root, "storage");
		JsonNode lifecycle = required(storage, "lifecycle");
		return new KilnTopology(required(queues, "prefix").asString(),
				required(queues, "visibilityTimeoutSeconds").asInt(), required(queues, "messageRetentionSeconds").asInt(),
				required(queues, "deadLetterRetentionSeconds").asInt(), required(queues, "maxReceiveCount").asInt(),
				List.copyOf(workQueues), required(storage, "bucket").asString(), required(lifecycle, "prefix").asString(),
				required(lifecycle, "expirationDays").asInt());
	}

	private static WorkQueue workQueue(String lane, JsonNode node) {
		String deadLetterQueue = required(node, "deadLetterQueue").asString();
		String redriveTarget = required(required(node, "redrivePolicy"), "deadLetterTarget").asString();
		if (!deadLetterQueue.equals(redriveTarget)) {
			throw new IllegalArgumentException("Topology names dead-letter queue " + deadLetterQueue
					+ " but redrives to " + redriveTarget);
		}
		return new WorkQueue(lane, required(node, "queue").asString(), deadLetterQueue);
	}

	private static JsonNode required(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			throw new IllegalArgumentException("queue-service topology output lacks '" + field + "'");
		}
		return value;
	}

	/** The lanes' jobs queues. */
	List<WorkQueue> jobsQueues() {
		return this.queues.stream().filter(WorkQueue::isJobs).toList();
	}

	/** The events queue. */
	WorkQueue eventsQueue() {
		return this.queues.stream().filter((queue) -> !queue.isJobs()).findFirst().orElseThrow();
	}

}
