package dev.kiln.queue.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.annotation.PreDestroy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobLogContext;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobRecord;
import dev.kiln.jobstore.JobStore;
import dev.kiln.queue.PeriodicWork;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.queue.tracing.JobTraces;
import dev.kiln.support.config.SharedProperties;
import dev.kiln.support.metrics.Meters;
import dev.kiln.support.tracing.JobSpanTag;

/**
 * Delivers webhook events. The state machine schedules a delivery (a {@code {kiln}:webhook:{id}} hash and an entry in
 * {@code {kiln}:webhooks:due} scored by its next attempt) in the same Lua step as the transition; this dispatcher polls
 * the due set every {@code kiln.webhooks.poll-interval}, claims each due delivery with a lease (so a crash mid-send
 * means a retry, never a loss, and replicas never send the same attempt twice), and POSTs it:
 * <ul>
 * <li>the callback URL is checked again against {@link CallbackUrlPolicy} first (DNS may have changed); a refused URL
 * ends the delivery as {@code refused}; the host is resolved once for that check and the request connects to the
 * addresses it checked ({@link WebhookSender}), never to a second lookup's answer;</li>
 * <li>the body is built once and kept in the delivery, so retries send the same event; each attempt is signed anew
 * ({@value WebhookSignature#HEADER}, per-tenant secret), with a {@code kiln.webhooks.timeout} connect and read timeout
 * and no redirects followed;</li>
 * <li>a 2xx answer ends it as {@code delivered}; anything else is retried with exponential backoff and jitter until
 * {@code kiln.webhooks.give-up-after} has passed since the event, then it ends as {@code failed}.</li>
 * </ul>
 * The outcome of a terminal event's delivery is recorded on the job ({@code webhookStatus}: {@code pending},
 * {@code delivered}, {@code failed}, {@code refused}). Everything lives in Redis, so deliveries survive a restart.
 * Counted as {@code kiln_webhook_deliveries_total{outcome}} and timed as {@code kiln_webhook_attempt_seconds{outcome}}.
 * Each attempt is a {@code kiln.webhook.deliver} span in the job's trace (its parent is the {@code traceparent}
 * recorded with the job), and the request carries the span's W3C {@code traceparent} header.
 */
@Component
@RequiredArgsConstructor
class WebhookDispatcher implements PeriodicWork {

	private static final Logger logger = LoggerFactory.getLogger(WebhookDispatcher.class);

	private final StringRedisTemplate redis;

	private final JobStore store;

	private final WebhookRequests requests;

	private final JobTraces traces;

	private final Clock clock;

	private final MeterRegistry meters;

	private final DeliverySlots slots;

	private final QueueServiceProperties properties;

	private final SharedProperties shared;

	@Override
	public Schedule schedule() {
		return Schedule.every("Webhook poll", settings().pollInterval())
			.startingAtOnce()
			.onlyIf(settings().enabled());
	}

	@Override
	public void runRound() {
		poll();
	}

	/**
	 * Claims the deliveries that are due, as many as there are free {@link DeliverySlots}
	 * ({@code kiln.webhooks.batch-size} at most in flight), and starts sending them; a slow receiver never holds up
	 * the others.
	 * @return the deliveries started
	 */
	int poll() {
		int free = this.slots.free();
		if (free == 0) {
			return 0;
		}
		long now = this.clock.millis();
		Set<String> due = this.redis.opsForZSet().rangeByScore(RedisKeys.webhooksDue(), 0, now, 0, free);
		if (due == null || due.isEmpty()) {
			return 0;
		}
		long leaseEnd = now + settings().timeout().multipliedBy(2).plusSeconds(5).toMillis();
		int started = 0;
		for (String id : due) {
			if (!this.slots.tryTake()) {
				break;
			}
			// a due delivery's score moves to the end of the lease, only if it is (still) due (the job store's script)
			if (!this.store.claimWebhook(id, now, leaseEnd)) {
				this.slots.giveBack();
			}
			else {
				started++;
				this.slots.run(() -> attemptLogged(id));
			}
		}
		return started;
	}

	/** Lets the attempts in flight finish (one timeout at most); the requests' HTTP client closes after this. */
	@PreDestroy
	void stop() throws InterruptedException {
		this.slots.stop();
	}

	private QueueServiceProperties.Webhooks settings() {
		return this.properties.webhooks();
	}

	private void attemptLogged(String id) {
		try {
			attempt(id);
		}
		catch (RuntimeException ex) {
			logger.warn("Webhook delivery {} could not be handled; its lease will lapse and it is tried again", id, ex);
		}
	}

	private void attempt(String id) {
		String key = RedisKeys.webhook(id);
		Map<String, String> delivery = this.redis.<String, String>opsForHash().entries(key);
		if (delivery.isEmpty()) {
			this.redis.opsForZSet().remove(RedisKeys.webhooksDue(), id);
			return;
		}
		String jobId = delivery.getOrDefault("jobId", "");
		String tenant = delivery.getOrDefault("tenant", "");
		// a span in the job's trace: its parent is the context the gateway recorded with the job
		JobRecord job = this.store.find(jobId);
		Span span = this.traces
			.fromRecord("kiln.webhook.deliver", job)
			.tag(JobSpanTag.JOB_ID.key(), jobId)
			.tag(JobSpanTag.TENANT.key(), tenant)
			.tag("kiln.webhook.event", delivery.getOrDefault("event", ""))
			.start();
		// the job's id and tenant (and, from the span, the trace id) on every line logged about this delivery
		try (Tracer.SpanInScope inScope = this.traces.tracer().withSpan(span);
				JobLogContext.Scope scope = JobLogContext.of(jobId, tenant, null)) {
			attempt(id, key, delivery, job, jobId, tenant, span);
		}
		catch (RuntimeException ex) {
			span.error(ex);
			throw ex;
		}
		finally {
			span.end();
		}
	}

	private void attempt(String id, String key, Map<String, String> delivery, @Nullable JobRecord job, String jobId,
			String tenant, Span span) {
		boolean terminal = WebhookRequests.isTerminal(delivery.get("event"));
		String url = delivery.getOrDefault("url", "");
		int attempts = Integer.parseInt(delivery.getOrDefault("attempts", "0")) + 1;
		String body = delivery.get("body");
		if (body == null) {
			body = this.requests.body(id, delivery, job);
			this.redis.opsForHash().put(key, "body", body);
		}
		long started = System.nanoTime();
		span.tag("kiln.webhook.attempt", Integer.toString(attempts));
		WebhookSender.Outcome outcome = this.requests.post(url, id, tenant, body, span);
		span.tag("kiln.webhook.outcome", (outcome.refusal() != null) ? "refused"
				: (outcome.failure() != null) ? "error" : "delivered");
		if (outcome.refusal() != null) {
			this.redis.opsForHash().putAll(key, Map.of("attempts", Integer.toString(attempts), "lastError",
					"callback URL refused: it " + outcome.refusal(), "lastAttemptAt", this.clock.instant().toString()));
			end(id, jobId, "refused", terminal);
			logger.warn("Webhook {} for job {} not sent: the callback URL {}", id, jobId, outcome.refusal());
			return;
		}
		String failure = outcome.failure();
		Timer.builder("kiln.webhook.attempt")
			.description("Time one webhook delivery attempt took")
			.tag("outcome", (failure == null) ? "success" : "error")
			.register(this.meters)
			.record(Duration.ofNanos(System.nanoTime() - started));
		Instant now = this.clock.instant();
		Map<String, String> update = new LinkedHashMap<>();
		update.put("attempts", Integer.toString(attempts));
		update.put("lastAttemptAt", now.toString());
		update.put("lastError", (failure != null) ? failure : "");
		this.redis.opsForHash().putAll(key, update);
		if (failure == null) {
			this.redis.opsForHash().put(key, "deliveredAt", now.toString());
			end(id, jobId, "delivered", terminal);
			return;
		}
		long createdAt = Long.parseLong(delivery.getOrDefault("createdAt", Long.toString(now.toEpochMilli())));
		if (now.toEpochMilli() - createdAt >= settings().giveUpAfter().toMillis()) {
			end(id, jobId, "failed", terminal);
			logger.warn("Webhook {} for job {} failed after {} attempts: {}", id, jobId, attempts, failure);
			return;
		}
		long next = now.toEpochMilli()
				+ backoff(attempts, settings().initialBackoff(), settings().maxBackoff()).toMillis();
		this.redis.opsForHash().put(key, "nextAttemptAt", Instant.ofEpochMilli(next).toString());
		this.redis.opsForZSet().add(RedisKeys.webhooksDue(), id, next);
		count("retrying");
		logger.info("Webhook {} for job {} attempt {} failed ({}); next attempt at {}", id, jobId, attempts, failure,
				Instant.ofEpochMilli(next));
	}

	/**
	 * The wait after the {@code attempts}-th failure: {@code initial × 2^(attempts-1)} capped at {@code max}, of which
	 * a random part up to half is taken off ("equal jitter") so that receivers coming back are not hit by every sender
	 * at once.
	 * @param attempts failed attempts so far, from 1
	 * @param initial the first wait before jitter
	 * @param max the longest wait
	 * @return the wait
	 */
	static Duration backoff(int attempts, Duration initial, Duration max) {
		long cap = max.toMillis();
		long exponential = Math.min(cap, initial.toMillis());
		for (int i = 1; i < attempts && exponential < cap; i++) {
			exponential = Math.min(cap, exponential * 2);
		}
		long half = exponential / 2;
		return Duration.ofMillis(exponential - half + ThreadLocalRandom.current().nextLong(half + 1));
	}

	private void end(String id, String jobId, String outcome, boolean terminal) {
		// out of the due set, kept for inspection until it expires, outcome on a job that still exists (the job store's)
		this.store.endWebhook(id, jobId, outcome, Duration.ofSeconds(Math.max(60, this.shared.retention().toSeconds())), terminal);
		count(outcome);
	}

	private void count(String outcome) {
		Meters.counter(this.meters, "kiln.webhook.deliveries",
				"Webhook delivery attempts by outcome (delivered, retrying, failed, refused)", "outcome", outcome)
			.increment();
	}

}
