package dev.kiln.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;


/**
 * Settings of the public API: models, API keys, limits, request sizes, estimates, event streams and how jobs are sent
 * to their queues. The callback URL rule and the retention are shared with the queue service
 * ({@link dev.kiln.support.config.SharedProperties}: {@code kiln.callbacks.*}, {@code kiln.retention}; the old
 * {@code kiln.gateway.callbacks.*} and {@code kiln.gateway.retention} still set them for one release).
 *
 * @param models the configured model catalog by model id; models seen in live worker heartbeats are added to it
 * @param auth API keys
 * @param limits per-tenant rate limit and quota
 * @param requests request size and time limits
 * @param estimates queue ETA settings
 * @param events Server-Sent Events settings
 * @param sends how accepted jobs are sent to their lane's queue
 * @param workers how the live workers' heartbeats are read
 */
@ConfigurationProperties("kiln.gateway")
@Validated
public record GatewayApiProperties(
		@NotEmpty(message = "must name at least one model") Map<String, @Valid ModelLimits> models,
		@Valid @DefaultValue Auth auth, @Valid @DefaultValue Limits limits, @Valid @DefaultValue Requests requests,
		@Valid @DefaultValue Estimates estimates, @Valid @DefaultValue Events events, @Valid @DefaultValue Sends sends,
		@Valid @DefaultValue Workers workers) {

	/**
	 * What a model renders within.
	 *
	 * @param maxPixels largest width × height
	 * @param maxSteps most render steps
	 * @param maxBatch most images per job
	 */
	public record ModelLimits(@Min(4096) int maxPixels, @Min(1) @Max(150) int maxSteps, @Min(1) @Max(8) int maxBatch) {
	}

	/**
	 * API keys.
	 *
	 * @param bootstrapKeys keys that must exist at start-up (created or updated from this list)
	 * @param anonymousTenant when set, requests without a key act as this tenant (local experiments only); when
	 * unset, a missing key is answered with 401
	 * @param keyCacheTtl how long a replica remembers a valid key instead of reading it from Redis again; {@code 0}
	 * reads Redis on every request. A key revoked through {@code DELETE /admin/api-keys/{id}} stops working at once on
	 * the replica that revoked it and within this time on the others (the revocation delay)
	 */
	public record Auth(@DefaultValue List<@Valid BootstrapKey> bootstrapKeys,
			@Nullable @Pattern(regexp = "[a-z0-9][a-z0-9_-]{0,62}",
					message = "must be a tenant id") String anonymousTenant,
			@DefaultValue("5s") @NotNull Duration keyCacheTtl) {

		@AssertTrue(message = "key-cache-ttl must be between 0 (no cache) and 10m")
		boolean isKeyCacheTtlValid() {
			return !this.keyCacheTtl.isNegative() && this.keyCacheTtl.compareTo(Duration.ofMinutes(10)) <= 0;
		}

	}

	/**
	 * A key to create at start-up.
	 *
	 * @param key the raw key (at least 20 characters); only its SHA-256 is stored
	 * @param tenant the tenant it acts for
	 * @param admin whether it may reach {@code /admin/**}
	 * @param name a label for people
	 */
	public record BootstrapKey(@NotBlank @Size(min = 20, max = 200) String key,
			@NotBlank @Pattern(regexp = "[a-z0-9][a-z0-9_-]{0,62}", message = "must be a tenant id") String tenant,
			@DefaultValue("false") boolean admin, @DefaultValue("bootstrap") String name) {
	}

	/**
	 * Per-tenant limits, shared by all gateway replicas through Redis.
	 *
	 * @param requestsPerSecond sustained API requests per second
	 * @param burst requests allowed at once above the sustained rate
	 * @param maxQueuedJobs most jobs a tenant may have waiting (QUEUED or RETRYING)
	 * @param unsynchronizedTokens tokens a replica may take from a tenant's bucket locally before it synchronizes the
	 * bucket with Redis (Bucket4j's delaying optimization); {@code 0} synchronizes on every request (exact). A tenant
	 * can exceed its limit by at most this many requests per replica within {@code unsynchronized-time}
	 * @param unsynchronizedTime longest a replica keeps tokens taken locally before it synchronizes
	 */
	public record Limits(@DefaultValue("20") @Min(1) int requestsPerSecond, @DefaultValue("40") @Min(1) int burst,
			@DefaultValue("100") @Min(1) @Max(10000) int maxQueuedJobs,
			@DefaultValue("4") @Min(0) @Max(1000) int unsynchronizedTokens,
			@DefaultValue("250ms") @NotNull Duration unsynchronizedTime) {

		@AssertTrue(message = "unsynchronized-time must be between 1ms and 10s")
		boolean isUnsynchronizedTimeValid() {
			return this.unsynchronizedTime.toMillis() >= 1 && this.unsynchronizedTime.compareTo(Duration.ofSeconds(10)) <= 0;
		}

	}

	/**
	 * Request limits.
	 *
	 * @param maxBodySize largest request body; larger ones are answered with 413
	 * @param maxMetadataSize largest {@code metadata} object, as JSON
	 * @param maxDeadline how far in the future a deadline may be
	 * @param idempotencyTtl how long an {@code Idempotency-Key} is remembered
	 */
	public record Requests(@DefaultValue("64KB") @NotNull DataSize maxBodySize,
			@DefaultValue("4KB") @NotNull DataSize maxMetadataSize, @DefaultValue("7d") @NotNull Duration maxDeadline,
			@DefaultValue("24h") @NotNull Duration idempotencyTtl) {
	}

	/**
	 * Queue estimates.
	 *
	 * @param coldStart time to add to an ETA when no worker is running (the cluster scales from zero)
	 */
	public record Estimates(@DefaultValue("90s") @NotNull Duration coldStart) {
	}

	/**
	 * The live workers, read from their heartbeats for the model catalog, the limits of models only workers announce,
	 * and queue ETAs.
	 *
	 * @param cacheTtl how long one read of the heartbeats is reused; {@code 0} reads them on every use. A submit for
	 * a model that only workers announce, and every look at a queued job, would otherwise read every live worker's
	 * heartbeat
	 */
	public record Workers(@DefaultValue("1s") @NotNull Duration cacheTtl) {

		@AssertTrue(message = "workers.cache-ttl must be between 0 and 1m")
		boolean isCacheTtlValid() {
			return !this.cacheTtl.isNegative() && this.cacheTtl.compareTo(Duration.ofMinutes(1)) <= 0;
		}

	}

	/**
	 * How accepted jobs are sent to SQS. With batching, the sends of concurrent requests to the same lane are
	 * collected for up to {@code batchWindow} or {@code maxBatchSize} messages and sent as one
	 * {@code SendMessageBatch} (the AWS SDK's {@code SqsAsyncBatchManager}); each request still waits for its own
	 * message's result, and a message SQS refuses withdraws only its own job (503). A message for a lane with no send
	 * in flight goes out at once, without waiting for the window.
	 *
	 * @param batch whether to batch sends; {@code false} sends each message on its own ({@code SendMessage})
	 * @param batchWindow longest a message waits for others to share its batch
	 * @param maxBatchSize most messages per batch (SQS allows 10)
	 * @param timeout longest a request waits for SQS to confirm its message; when it runs out the outcome is unknown,
	 * so the job stays recorded (in the outbox, {@code {kiln}:jobs:unsent}) and the caller gets its 202; the queue
	 * service's outbox relay sends the message if the job is still {@code QUEUED} after its grace period (a duplicate
	 * is dropped by workers). Only a send SQS certainly refused withdraws the job (503)
	 */
	public record Sends(@DefaultValue("true") boolean batch, @DefaultValue("5ms") @NotNull Duration batchWindow,
			@DefaultValue("10") @Min(1) @Max(10) int maxBatchSize, @DefaultValue("10s") @NotNull Duration timeout) {

		@AssertTrue(message = "batch-window must be between 1ms and 1s")
		boolean isBatchWindowValid() {
			return this.batchWindow.toMillis() >= 1 && this.batchWindow.compareTo(Duration.ofSeconds(1)) <= 0;
		}

		@AssertTrue(message = "timeout must be positive")
		boolean isTimeoutValid() {
			return this.timeout.toMillis() >= 1;
		}

	}

	/**
	 * Server-Sent Events.
	 *
	 * @param timeout longest a single event stream stays open; clients reconnect with {@code Last-Event-ID}
	 * @param keepAlive how long to wait for an event before sending a keep-alive comment
	 */
	public record Events(@DefaultValue("30m") @NotNull Duration timeout, @DefaultValue("15s") @NotNull Duration keepAlive) {
	}

}
