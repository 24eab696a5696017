package dev.kiln.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.Lane;
import dev.kiln.contract.RedisKeys;

/**
 * Redis bytes per queued job, and the Redis reads of one advisor decision at growing queue lengths.
 *
 * <p>
 * The real path (HTTP submit → the gateway's create script) is measured on the jobs of the accept benchmark. For
 * 10⁵ jobs the benchmark writes a faithful replica of what that script writes, pipelined: the job hash with every
 * field of a record the gateway created (copied, with a new id and submit time), the lane index, the tenant index and
 * the tenant's waiting set. Tenants hold 5,000 jobs each, as the per-tenant quota allows at most 10,000.
 */
final class RedisBenchmark {

	private final StatefulRedisConnection<String, String> connection;

	private int templateFields;

	private int templatePayload;

	private String largestFields = "";

	/** The copied record: fields, bytes of names and values, the largest values. */
	String templateSummary() {
		return "%d fields, %d bytes of names and values; largest values: %s".formatted(this.templateFields,
				this.templatePayload, this.largestFields);
	}

	RedisBenchmark(StatefulRedisConnection<String, String> connection) {
		this.connection = connection;
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
	 * Writes {@code jobs} replica jobs modelled on {@code templateJobId} and measures {@code used_memory}.
	 * @return bytes per job
	 */
	double replica(String templateJobId, int jobs, int perTenant, String tenantPrefix) {
		RedisCommands<String, String> sync = this.connection.sync();
		Map<String, String> template = sync.hgetall(RedisKeys.job(templateJobId));
		if (template.isEmpty()) {
			throw new IllegalStateException("No job record " + templateJobId + " to copy");
		}
		this.templateFields = template.size();
		this.templatePayload = template.entrySet().stream().mapToInt((e) -> e.getKey().length() + e.getValue().length()).sum();
		this.largestFields = template.entrySet()
			.stream()
			.sorted((a, b) -> Integer.compare(b.getValue().length(), a.getValue().length()))
			.limit(4)
			.map((e) -> "`" + e.getKey() + "` " + e.getValue().length())
			.collect(java.util.stream.Collectors.joining(", "));
		long before = usedMemory();
		RedisAsyncCommands<String, String> async = this.connection.async();
		this.connection.setAutoFlushCommands(false);
		try {
			List<RedisFuture<?>> pending = new ArrayList<>();
			long now = System.currentTimeMillis();
			for (int i = 0; i < jobs; i++) {
				String id = JobIds.next(java.time.Clock.systemUTC());
				String tenant = tenantPrefix + (i / perTenant);
				Map<String, String> record = new HashMap<>(template);
				record.replaceAll((field, value) -> value.replace(templateJobId, id));
				record.put(JobFields.TENANT, tenant);
				long score = now + i;
				pending.add(async.hset(RedisKeys.job(id), record));
				pending.add(async.zadd(RedisKeys.laneQueued(Lane.STANDARD), score, id));
				pending.add(async.zadd(RedisKeys.tenantJobs(tenant), score, id));
				pending.add(async.sadd(RedisKeys.tenantWaiting(tenant), id));
				if (pending.size() >= 4000) {
					this.connection.flushCommands();
					LettuceFutures.awaitAll(60, TimeUnit.SECONDS, pending.toArray(RedisFuture[]::new));
					pending.clear();
				}
			}
			this.connection.flushCommands();
			LettuceFutures.awaitAll(60, TimeUnit.SECONDS, pending.toArray(RedisFuture[]::new));
		}
		finally {
			this.connection.setAutoFlushCommands(true);
		}
		return (usedMemory() - before) / (double) jobs;
	}

	/**
	 * The same replica with a given {@code hash-max-ziplist-value} (alias of {@code hash-max-listpack-value} on Redis
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
