package dev.kiln.queue.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.S3Object;

import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.queue.PeriodicWork;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.support.config.SharedProperties;
import dev.kiln.support.metrics.Meters;

/**
 * Deletes what is older than {@code kiln.retention}, every {@code kiln.retention-sweep.interval}: for each tenant's
 * job index ({@code {kiln}:tenant:{tenant}:jobs}), each job submitted before the cut-off whose record is gone (its TTL
 * ran out) or finished before the cut-off loses its record, its event stream, its index entry and its outputs in the
 * bucket. Jobs that are not finished are never touched. Uploaded init images ({@code jobs/{tenant}/inputs/}, the
 * gateway's {@code POST /v1/inputs}) are not jobs: for every tenant folder under {@code jobs/}, the inputs whose
 * {@code LastModified} is older than the cut-off are deleted (a job that still names one fails to find it, as it
 * would in production). Where the bucket has a lifecycle rule the object deletes are redundant and harmless; the local
 * stack's store has none, so this is what keeps it bounded.
 */
@Component
class RetentionSweeper implements PeriodicWork {

	private static final Logger logger = LoggerFactory.getLogger(RetentionSweeper.class);

	/** Where every tenant's folder is ({@link ObjectKeys}: {@code jobs/{tenant}/...}). */
	private static final String JOBS = "jobs/";

	/** Jobs looked at per tenant and sweep; the next sweep continues. */
	private static final int BATCH = 500;

	private final StringRedisTemplate redis;

	private final JobStore store;

	private final S3Client s3;

	private final Clock clock;

	private final Counter deleted;

	private final Counter deletedInputs;

	private final String bucket;

	private final Duration retention;

	private final QueueServiceProperties.RetentionSweep settings;

	RetentionSweeper(StringRedisTemplate redis, JobStore store, S3Client s3, Clock clock, MeterRegistry meters,
			QueueServiceProperties properties, SharedProperties shared) {
		this.redis = redis;
		this.store = store;
		this.s3 = s3;
		this.clock = clock;
		this.bucket = shared.storage().bucket();
		this.retention = shared.retention();
		this.settings = properties.retentionSweep();
		this.deleted = Meters.counter(meters, "kiln.retention.deleted",
				"Finished jobs deleted (record, index entry, outputs) because they outlived kiln.retention");
		this.deletedInputs = Meters.counter(meters, "kiln.retention.deleted.inputs",
				"Uploaded init images deleted because they outlived kiln.retention");
	}

	@Override
	public Schedule schedule() {
		return Schedule.every("Retention sweep", this.settings.interval()).onlyIf(this.settings.enabled());
	}

	@Override
	public void runRound() {
		int count = sweep();
		if (count > 0) {
			logger.info("Retention sweep deleted {} job(s) older than {}", count, this.retention);
		}
		int inputs = sweepInputs(this.clock.instant().minus(this.retention));
		if (inputs > 0) {
			logger.info("Retention sweep deleted {} input(s) older than {}", inputs, this.retention);
		}
	}

	/**
	 * Deletes every finished job older than the retention.
	 * @return the jobs deleted
	 */
	int sweep() {
		Instant cutoff = this.clock.instant().minus(this.retention);
		int count = 0;
		for (String tenant : tenants()) {
			count += sweep(tenant, cutoff);
		}
		return count;
	}

	/**
	 * Deletes every uploaded input last modified before the cut-off, in every tenant's folder.
	 * @param cutoff inputs whose {@code LastModified} is before it are deleted
	 * @return the inputs deleted
	 */
	int sweepInputs(Instant cutoff) {
		int count = 0;
		// the tenant folders: common prefixes jobs/{tenant}/ (tenants who only uploaded have no job index)
		for (CommonPrefix folder : this.s3
			.listObjectsV2Paginator((request) -> request.bucket(this.bucket).prefix(JOBS).delimiter("/"))
			.commonPrefixes()) {
			String tenant = folder.prefix().substring(JOBS.length(), folder.prefix().length() - 1);
			String key = ObjectKeys.input(tenant, "any");
			String prefix = key.substring(0, key.lastIndexOf('/') + 1);
			for (S3Object object : this.s3
				.listObjectsV2Paginator((request) -> request.bucket(this.bucket).prefix(prefix))
				.contents()) {
				if (object.lastModified() != null && object.lastModified().isBefore(cutoff)) {
					this.s3.deleteObject((request) -> request.bucket(this.bucket).key(object.key()));
					this.deletedInputs.increment();
					count++;
				}
			}
		}
		return count;
	}

	private List<String> tenants() {
		String prefix = RedisKeys.tenantJobs("");
		String head = prefix.substring(0, prefix.indexOf("::") + 1);
		String tail = prefix.substring(prefix.indexOf("::") + 1);
		List<String> tenants = new ArrayList<>();
		ScanOptions options = ScanOptions.scanOptions().match(RedisKeys.tenantJobs("*")).count(500).build();
		try (Cursor<String> keys = this.redis.scan(options)) {
			while (keys.hasNext()) {
				String key = keys.next();
				if (key.startsWith(head) && key.endsWith(tail) && key.length() > head.length() + tail.length()) {
					tenants.add(key.substring(head.length(), key.length() - tail.length()));
				}
			}
		}
		return tenants;
	}

	private int sweep(String tenant, Instant cutoff) {
		String index = RedisKeys.tenantJobs(tenant);
		Set<String> old = this.redis.opsForZSet().rangeByScore(index, 0, cutoff.toEpochMilli(), 0, BATCH);
		int count = 0;
		for (String jobId : (old != null) ? old : Set.<String>of()) {
			JobRecord job = this.store.find(jobId);
			// a record that is gone (its TTL ran out) goes from the index; one that is not finished, or not for long
			// enough, stays
			if (job != null && !(job.terminal() && job.finishedAt() != null && job.finishedAt().isBefore(cutoff))) {
				continue;
			}
			deleteOutputs(tenant, jobId);
			this.store.delete(jobId, index);
			this.deleted.increment();
			count++;
		}
		return count;
	}

	private void deleteOutputs(String tenant, String jobId) {
		String prefix = ObjectKeys.jobPrefix(tenant, jobId);
		for (S3Object object : this.s3.listObjectsV2Paginator((request) -> request.bucket(this.bucket).prefix(prefix))
			.contents()) {
			this.s3.deleteObject((request) -> request.bucket(this.bucket).key(object.key()));
		}
	}

}
