package dev.kiln.advisor.scaling;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import lombok.RequiredArgsConstructor;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.kiln.contract.Lane;
import dev.kiln.contract.WorkerHeartbeat;
import dev.kiln.support.heartbeat.WorkerHeartbeats;
import dev.kiln.support.queues.QueueUrls;

/**
 * Reads what one decision needs from the running system: every lane's queue depth from SQS (all lanes in parallel,
 * the URLs from the shared {@link QueueUrls}), its waiting jobs ({@link JobIndexReader}) and the live workers
 * ({@link WorkerHeartbeats}: a worker whose heartbeat key has expired is gone). Any of them failing fails the whole
 * reading, so that a decision never runs on part of its inputs.
 */
@Component
@RequiredArgsConstructor
class Inputs {

	private static final List<QueueAttributeName> DEPTH = List.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
			QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
			QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);

	private final SqsAsyncClient sqs;

	private final QueueUrls queues;

	private final JobIndexReader jobs;

	private final WorkerHeartbeats workers;

	Reading read() {
		List<CompletableFuture<LaneDepth>> sampled = new ArrayList<>();
		for (Lane lane : Lane.values()) {
			sampled.add(depth(lane));
		}
		List<LaneDepth> depths = sampled.stream().map(CompletableFuture::join).toList();
		List<WorkerHeartbeat> live = this.workers.live();
		Map<Lane, JobIndexReader.LaneJobs> waiting = new EnumMap<>(Lane.class);
		for (LaneDepth depth : depths) {
			waiting.put(depth.lane(), this.jobs.read(depth.lane()));
		}
		return new Reading(depths, waiting, live);
	}

	private CompletableFuture<LaneDepth> depth(Lane lane) {
		return this.queues.jobs(lane)
			.thenCompose((url) -> this.sqs.getQueueAttributes((request) -> request.queueUrl(url).attributeNames(DEPTH)))
			.thenApply((response) -> {
				Map<QueueAttributeName, String> attributes = response.attributes();
				return new LaneDepth(lane, count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
						count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
						count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));
			});
	}

	private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
		String value = attributes.get(name);
		return (value != null) ? Long.parseLong(value) : 0;
	}

	/**
	 * One reading of the inputs.
	 *
	 * @param depths every lane's queue depth
	 * @param waiting every lane's waiting jobs
	 * @param live the live workers' heartbeats
	 */
	record Reading(List<LaneDepth> depths, Map<Lane, JobIndexReader.LaneJobs> waiting, List<WorkerHeartbeat> live) {
	}

}
