package dev.kiln.benchmarks;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import tools.jackson.databind.node.ObjectNode;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobStore;

/**
 * Redis bytes per queued job, and the Redis reads of one advisor decision at growing queue lengths.
 *
 * <p>
 * The real path (HTTP submit → the gateway's create script) is measured on the jobs of the accept benchmark. For
 * 10⁵ jobs the benchmark writes copies of a job the gateway created through the job store's create script
 * ({@link JobStore#create}, as the gateway does, without HTTP): the record with every field of the real one (a new id
 * and tenant, in the record and in its {@code request}), the lane index, the tenant index and the tenant's waiting
 * set; the outbox entry is taken out again, as the gateway does once SQS confirms a message (none is sent: nothing
 * drains these jobs). Tenants hold 5,000 jobs each, as the per-tenant quota allows at most 10,000. Only the job store
 * writes job keys (issue 16): the benchmark reads them and writes keys of its own ({@code bench:*}).
 */
final class RedisBenchmark {

	/** Concurrent callers of the create script: Lettuce pipelines their calls on the store's one connection. */
	private static final int WRITERS = 16;

	/** Outbox entries taken out at a time. */
	private static final int SENT_BATCH = 500;

	private final StatefulRedisConnection<String, String> connection;

	private final JobStore store;

	private int templateFields;

	private int templatePayload;

	private String largestFields = "";

	/** The copied record: fields, bytes of names and values, the largest values. */
	String templateSummary() {
		return "%d fields, %d bytes of names and values; largest values: %s".formatted(this.templateFields,
				this.templatePayload, this.largestFields);
	}

	/**
	 * @param connection reads, {@code INFO}, {@code CONFIG} and the benchmark's own keys
	 * @param store the job store the copies are written through
	 */
	RedisBenchmark(StatefulRedisConnection<String, String> connection, JobStore store) {
		this.connection = connection;
		this.store = store;
	}

	long usedMemory() {
		String info = this.connection.sync().info("memory");
		for (String line : info.split("\r?\n")) {
			if (line.startsWith("used_memory:")) {
				return Long.parseLong(line.substring("used_memory:".length()).trim());
			}
		}
		throw new IllegalStateException("INFO memory has no used_memory");
	}

	/**
	 * Writes {@code jobs} copies of {@code templateJobId} through the create script and measures
	 * {@code used_memory}.
	 * @return bytes per job
	 */
	double replica(String templateJobId, int jobs, int perTenant, String tenantPrefix) {
		Map<String, String> template = this.connection.sync().hgetall(RedisKeys.job(templateJobId));
		if (template.isEmpty() || !template.containsKey(JobFields.REQUEST)) {
			throw new IllegalStateException("No job record " + templateJobId + " to copy");
		}
		this.templateFields = template.size();
		this.templatePayload = template.entrySet().stream().mapToInt((e) -> e.getKey().length() + e.getValue().length()).sum();
		this.largestFields = template.entrySet()
			.stream()
			.sorted((a, b) -> Integer.compare(b.getValue().length(), a.getValue().length()))
			.limit(4)
			.map((e) -> "`" + e.getKey() + "` " + e.getValue().length())
			.collect(Collectors.joining(", "));
		long before = usedMemory();
		try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
			List<Future<?>> slices = new ArrayList<>();
			for (int w = 0; w < WRITERS; w++) {
				int from = (int) ((long) jobs * w / WRITERS);
				int to = (int) ((long) jobs * (w + 1) / WRITERS);
				slices.add(writers.submit(() -> copies(template, templateJobId, from, to, perTenant, tenantPrefix)));
			}
			for (Future<?> slice : slices) {
				slice.get();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while writing copies", ex);
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException("Could not write the copies of " + templateJobId, ex.getCause());
		}
		return (usedMemory() - before) / (double) jobs;
	}

	/** Copies {@code from} to {@code to} (exclusive): job {@code i} goes to tenant {@code i / perTenant}. */
	private void copies(Map<String, String> template, String templateJobId, int from, int to, int perTenant,
			String tenantPrefix) {
		List<String> unsent = new ArrayList<>();
		for (int i = from; i < to; i++) {
			String id = JobIds.next(Clock.systemUTC());
			String tenant = tenantPrefix + (i / perTenant);
			ObjectNode request = (ObjectNode) Http.JSON.readTree(template.get(JobFields.REQUEST));
			request.put("jobId", id);
			request.put("tenant", tenant);
			Map<String, String> fields = new LinkedHashMap<>(template);
			fields.replaceAll((field, value) -> value.replace(templateJobId, id));
			fields.put(JobFields.TENANT, tenant);
			fields.put(JobFields.REQUEST, Http.JSON.writeValueAsString(request));
			JobMessage message = Http.JSON.treeToValue(request, JobMessage.class);
			JobStore.Created created = this.store.create(message, fields, null, Duration.ZERO, Integer.MAX_VALUE);
			if (created.outcome() != JobStore.CreateOutcome.CREATED) {
				throw new IllegalStateException("The create script answered " + created + " for a copy");
			}
			unsent.add(id);
			if (unsent.size() == SENT_BATCH || i == to - 1) {
				this.store.sent(unsent);
				unsent.clear();
			}
		}
	}

	/**
	 * The same copies with a given {@code hash-max-ziplist-value} (alias of {@code hash-max-listpack-value} on Redis
	 * 7): a hash with a longer value is stored as a hash table instead of the compact encoding. Redis' default is 64
	 * bytes; Kiln's deployment sets 1024 (the job record's {@code request} is ≈ 350 bytes). The setting is restored
	 * afterwards.
	 * @return bytes per job
	 */
	double replicaWith(String maxValue, String templateJobId, int jobs, int perTenant, String tenantPrefix) {
		RedisCommands<String, String> sync = this.connection.sync();
		String setting = "hash-max-ziplist-value";
		Map<String, String> before = sync.configGet(setting);
		String previous = before.getOrDefault(setting, "64");
		sync.configSet(setting, maxValue);
		try {
			return replica(templateJobId, jobs, perTenant, tenantPrefix);
		}
		finally {
			sync.configSet(setting, previous);
		}
	}

	/**
	 * What the advisor reads of one lane per decision: {@code ZCARD} and the oldest {@code listed} entries with their
	 * scores, on a lane index of the given length (a fresh key per size, filled with ids).
	 * @return microseconds per read, median of {@code samples}
	 */
	Map<Integer, Double> laneReads(List<Integer> sizes, int listed, int samples) {
		RedisCommands<String, String> sync = this.connection.sync();
		Map<Integer, Double> result = new java.util.LinkedHashMap<>();
		for (int size : sizes) {
			String key = "bench:lane:" + size;
			sync.del(key);
			RedisAsyncCommands<String, String> async = this.connection.async();
			this.connection.setAutoFlushCommands(false);
			List<RedisFuture<?>> pending = new ArrayList<>();
			for (int i = 0; i < size; i++) {
				pending.add(async.zadd(key, i, "019a7b2c-3d4e-7f01-8a2b-" + String.format("%012d", i)));
				if (pending.size() >= 5000) {
					this.connection.flushCommands();
					LettuceFutures.awaitAll(60, TimeUnit.SECONDS, pending.toArray(RedisFuture[]::new));
					pending.clear();
				}
			}
			this.connection.flushCommands();
			LettuceFutures.awaitAll(60, TimeUnit.SECONDS, pending.toArray(RedisFuture[]::new));
			this.connection.setAutoFlushCommands(true);
			List<Double> times = new ArrayList<>();
			for (int s = 0; s < samples + 20; s++) {
				long begin = System.nanoTime();
				sync.zcard(key);
				sync.zrangeWithScores(key, 0, listed - 1);
				if (s >= 20) {
					times.add((System.nanoTime() - begin) / 1e3);
				}
			}
			result.put(size, Stats.of(times).p50());
			sync.del(key);
		}
		return result;
	}

}
