package dev.kiln.advisor.cost;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.stereotype.Component;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.advisor.scaling.ScalingAdvisor;
import dev.kiln.contract.JobState;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;

/**
 * Attributes each finished job its cost: render seconds x the per-second price of its lane's replicas
 * ({@link ScalingAdvisor#replicaPricePerHour}: the current spot/on-demand mix, on-demand when the lane has none), written once to the job's {@code cost} field and
 * added to the tenant's daily sum at {@code {kiln}:tenant:{tenant}:cost} (field {@code yyyy-MM-dd}), where the gateway
 * reads it.
 *
 * <p>Finding finished jobs without a shared "finished" stream: every scan interval it lists the tenants' job indexes
 * ({@code SCAN {kiln}:tenant:*:jobs}), reads each index past a per-tenant cursor (private hash
 * {@value #CURSORS}) and adds new job ids to a private watch set ({@value #WATCH}); then it checks up to
 * {@value #BATCH} watched jobs, settles the succeeded ones in one Lua script (idempotent: {@code HSETNX} guards the
 * tenant sum), drops failed, cancelled and vanished ones, and moves the rest to the back of the line.
 */
@Component
@RequiredArgsConstructor
class CostAttributor {

	static final String WATCH = RedisKeys.HASH_TAG + ":advisor:cost:watch";

	static final String CURSORS = RedisKeys.HASH_TAG + ":advisor:cost:cursors";

	static final int BATCH = 500;

	private static final Logger logger = LoggerFactory.getLogger(CostAttributor.class);

	private final StringRedisTemplate redis;

	private final JobStore store;

	private final ScalingAdvisor advisor;

	private final AdvisorProperties properties;

	private final Clock clock;

	/** One round of the scan interval ({@link CostSchedule}): discovers new jobs and settles finished ones. */
	void scheduled() {
		if (!this.properties.cost().attribution()) {
			return;
		}
		try {
			discover();
			settle();
		}
		catch (RuntimeException ex) {
			logger.warn("Cost attribution skipped a round: {}", ex.getMessage());
		}
	}

	/** Adds jobs submitted since the last look to the watch set. */
	int discover() {
		int added = 0;
		for (String key : tenantIndexes()) {
			Object cursor = this.redis.opsForHash().get(CURSORS, key);
			double from = (cursor != null) ? Double.parseDouble(cursor.toString()) : Double.NEGATIVE_INFINITY;
			Set<TypedTuple<String>> fresh = this.redis.opsForZSet()
				.rangeByScoreWithScores(key, from, Double.POSITIVE_INFINITY, 0, BATCH);
			if (fresh == null || fresh.isEmpty()) {
				continue;
			}
			double last = from;
			Set<TypedTuple<String>> watch = new HashSet<>();
			for (TypedTuple<String> tuple : fresh) {
				if (tuple.getValue() != null && tuple.getScore() != null) {
					watch.add(TypedTuple.of(tuple.getValue(), tuple.getScore()));
					last = Math.max(last, tuple.getScore());
				}
			}
			Long count = this.redis.opsForZSet().addIfAbsent(WATCH, watch);
			added += (count != null) ? count.intValue() : 0;
			this.redis.opsForHash().put(CURSORS, key, Double.toString(last));
		}
		return added;
	}

	/** Settles watched jobs that finished; returns how many got a cost. */
	int settle() {
		Set<String> watched = this.redis.opsForZSet().range(WATCH, 0, BATCH - 1);
		if (watched == null || watched.isEmpty()) {
			return 0;
		}
		int settled = 0;
		double now = this.clock.millis();
		for (String jobId : watched) {
			JobRecord job = this.store.find(jobId);
			if (job == null) {
				unwatch(jobId);
				continue;
			}
			if (job.state() == JobState.SUCCEEDED) {
				if (job.tenant() == null || job.renderSeconds() == null) {
					unwatch(jobId);
					continue;
				}
				double cost = CostModel.attributed(job.renderSeconds(), this.advisor.replicaPricePerHour(job.lane()));
				boolean written = this.store.settleCost(jobId, job.tenant(), String.format(Locale.ROOT, "%.8f", cost),
						day(job.finishedAt()).toString(), WATCH);
				settled += written ? 1 : 0;
			}
			else if (job.state() == JobState.FAILED || job.state() == JobState.CANCELLED) {
				unwatch(jobId);
			}
			else {
				watchAgain(jobId, now);
			}
		}
		return settled;
	}

	// the advisor's own watch set; job keys are written by the job store only (JobStoreRules)
	private void unwatch(String jobId) {
		this.redis.opsForZSet().remove(WATCH, jobId);
	}

	private void watchAgain(String jobId, double now) {
		this.redis.opsForZSet().add(WATCH, jobId, now);
	}

	private List<String> tenantIndexes() {
		List<String> keys = new ArrayList<>();
		ScanOptions options = ScanOptions.scanOptions().match(RedisKeys.tenantJobs("*")).count(1000).build();
		try (Cursor<String> cursor = this.redis.scan(options)) {
			cursor.forEachRemaining(keys::add);
		}
		return keys;
	}

	private LocalDate day(@Nullable Instant finishedAt) {
		return ((finishedAt != null) ? finishedAt : this.clock.instant()).atZone(ZoneOffset.UTC).toLocalDate();
	}

}
