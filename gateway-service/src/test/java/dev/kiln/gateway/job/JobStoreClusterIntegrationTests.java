package dev.kiln.gateway.job;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.jobstore.RedisClusterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * The gateway's scripts against a real three-master Redis Cluster through a cluster-mode connection (what
 * {@code spring.data.redis.cluster.nodes} gives, as on MemoryDB): create (with its idempotency and quota paths, the
 * quota reading job records by id beyond its declared keys), cancel and withdraw each touch up to seven keys and
 * succeed because every key carries the {@code {kiln}} hash tag; the same kind of script over the old, untagged names
 * fails with {@code CROSSSLOT}. The SSE pump's blocking {@code XREAD} (on the same template) wakes on an append.
 */
class JobStoreClusterIntegrationTests {

	@RegisterExtension
	static final RedisClusterExtension cluster = new RedisClusterExtension();

	private static StringRedisTemplate redis;

	private static JobRepository jobs;

	@BeforeAll
	static void useTheCluster() {
		redis = cluster.redis();
		jobs = new JobRepository(redis, new JobStore(redis));
	}

	@Test
	void theConnectionSeesThreeMasters() {
		try (RedisClusterConnection connection = cluster.connectionFactory().getClusterConnection()) {
			assertThat(connection.clusterGetNodes()).filteredOn(RedisClusterNode::isMaster).hasSize(3);
		}
	}

	@Test
	void createCancelAndWithdrawRunOnTheCluster() {
		String tenant = "cluster-" + UUID.randomUUID();
		JobMessage first = message(tenant);
		JobRepository.Created created = jobs.create(first, "{}", Map.of(), "key-1", Duration.ofMinutes(5), 1);
		assertThat(created.outcome()).isEqualTo(JobRepository.Outcome.CREATED);
		assertThat(created.position()).isPositive();
		assertThat(jobs.find(first.jobId())).satisfies((record) -> {
			assertThat(record.state()).isEqualTo(JobState.QUEUED);
			assertThat(record.tenant()).isEqualTo(tenant);
		});

		// the idempotency key answers with the first job
		JobRepository.Created duplicate = jobs.create(message(tenant), "{}", Map.of(), "key-1", Duration.ofMinutes(5),
				1);
		assertThat(duplicate.outcome()).isEqualTo(JobRepository.Outcome.DUPLICATE);
		assertThat(duplicate.jobId()).isEqualTo(first.jobId());

		// at the quota of one waiting job the script reads the waiting jobs' records by id (ARGV[5] .. id)
		JobMessage second = message(tenant);
		assertThat(jobs.create(second, "{}", Map.of(), null, Duration.ZERO, 1).outcome())
			.isEqualTo(JobRepository.Outcome.QUOTA);

		assertThat(jobs.cancel(tenant, first.jobId(), Lane.BATCH, Instant.now(), Duration.ofHours(1)))
			.isEqualTo("cancelled");
		assertThat(jobs.find(first.jobId())).extracting(JobRecord::state).isEqualTo(JobState.CANCELLED);
		assertThat(redis.opsForStream().size(RedisKeys.jobEvents(first.jobId()))).isEqualTo(1);

		// the cancelled job no longer counts: the quota check prunes it
		assertThat(jobs.create(second, "{}", Map.of(), null, Duration.ZERO, 1).outcome())
			.isEqualTo(JobRepository.Outcome.CREATED);
		jobs.withdraw(second, null);
		assertThat(jobs.find(second.jobId())).isNull();
		assertThat(jobs.rank(Lane.BATCH, second.jobId())).isNull();
	}

	@Test
	void arrivalsReachAPatternSubscriberOnAnotherNode() throws Exception {
		// the advisor's ArrivalWake subscribes like this; the create script publishes on whichever node holds {kiln}
		List<String> arrivals = new CopyOnWriteArrayList<>();
		RedisMessageListenerContainer subscription = new RedisMessageListenerContainer();
		subscription.setConnectionFactory(cluster.connectionFactory());
		subscription.addMessageListener((message, pattern) -> arrivals.add(new String(message.getBody())),
				new PatternTopic(RedisKeys.laneArrivalsPattern()));
		subscription.afterPropertiesSet();
		subscription.start();
		try {
			// the subscription is confirmed asynchronously: it is live once one of these probes comes back
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
				redis.convertAndSend(RedisKeys.laneArrivals(Lane.BATCH), "probe");
				return arrivals.contains("probe");
			});
			JobMessage job = message("arrivals-" + UUID.randomUUID());
			assertThat(jobs.create(job, "{}", Map.of(), null, Duration.ZERO, 10).outcome())
				.isEqualTo(JobRepository.Outcome.CREATED);
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(arrivals).contains(job.jobId()));
			jobs.withdraw(job, null);
		}
		finally {
			subscription.destroy();
		}
	}

	@Test
	void aBlockingStreamReadWakesOnAnAppend() throws Exception {
		// JobEvents' pump: XREAD BLOCK through the shared template, while the queue service appends
		String stream = RedisKeys.jobEvents("xread-" + UUID.randomUUID());
		CompletableFuture<List<MapRecord<String, Object, Object>>> read = CompletableFuture
			.supplyAsync(() -> redis.opsForStream()
				.read(StreamReadOptions.empty().count(100).block(Duration.ofSeconds(10)),
						StreamOffset.create(stream, ReadOffset.from("0-0"))));
		// append only once the read is blocked on the stream's node, so that the append is what wakes it
		await().atMost(Duration.ofSeconds(10)).until(() -> blockedClients(stream) > 0);
		redis.opsForStream().add(stream, Map.of("kind", "state", "state", "RUNNING"));
		List<MapRecord<String, Object, Object>> records = read.get(15, TimeUnit.SECONDS);
		assertThat(records).hasSize(1);
		assertThat(records.get(0).getValue()).containsEntry("state", "RUNNING");
	}

	/** {@code blocked_clients} of {@code INFO clients} on the node that holds {@code key}. */
	private static long blockedClients(String key) {
		try (RedisClusterConnection connection = cluster.connectionFactory().getClusterConnection()) {
			RedisClusterNode node = connection.clusterGetNodeForKey(key.getBytes(StandardCharsets.UTF_8));
			return Long.parseLong(connection.serverCommands().info(node, "clients").getProperty("blocked_clients"));
		}
	}

	@Test
	void theOldUntaggedNamesFailWithCrossSlot() {
		String lane = RedisKeys.laneQueued(Lane.BATCH).replace(RedisKeys.HASH_TAG + ":", "kiln:");
		String tenantJobs = RedisKeys.tenantJobs("acme").replace(RedisKeys.HASH_TAG + ":", "kiln:");
		assertThat(SlotHash.getSlot(lane)).isNotEqualTo(SlotHash.getSlot(tenantJobs));
		RedisScript<Long> indexBoth = RedisScript.of("""
				redis.call('ZADD', KEYS[1], 1, 'j')
				redis.call('ZADD', KEYS[2], 1, 'j')
				return 1
				""", Long.class);
		assertThatException().isThrownBy(() -> redis.execute(indexBoth, List.of(lane, tenantJobs)))
			.withStackTraceContaining("CROSSSLOT");
		// the tagged names of the same two indexes
		assertThat(redis.execute(indexBoth, List.of(RedisKeys.laneQueued(Lane.BATCH), RedisKeys.tenantJobs("acme"))))
			.isEqualTo(1L);
	}

	private static JobMessage message(String tenant) {
		return new JobMessage(1, UUID.randomUUID().toString(), tenant, "kiln-builtin", "a lighthouse", null, 64, 64, 1,
				7.5, 1, 1, Lane.BATCH, Instant.now(), null);
	}

}
