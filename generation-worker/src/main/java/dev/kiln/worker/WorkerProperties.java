package dev.kiln.worker;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Worker configuration ({@code kiln.worker.*}). What every service must agree on, the queue prefix and the bucket
 * among it, is {@link dev.kiln.support.config.SharedProperties}, bound once by {@code service-support}.
 *
 * @param id this worker's id in events and metadata; defaults to the host name (the pod name on Kubernetes)
 * @param progressInterval least time between two progress events of one job
 * @param models the models this worker serves, by model id
 * @param modelCache where {@code s3://} model locations are downloaded to and kept across restarts
 * @param pollWait how long one receive waits on a lane's queue for a message (SQS long poll, 1 to 20 s)
 * @param laneTurnAfter after this many jobs in a row from higher lanes, a lower lane gets one turn
 * @param receiveBatch messages taken per receive; above 1, compatible jobs render in one forward pass
 * @param heartbeatInterval how often the worker's heartbeat, its messages' visibility and its job leases are
 * renewed
 * @param visibilityTimeout how long a message in hand stays invisible after each renewal (capped at 12 h after it
 * was received, SQS's limit)
 * @param leaseTtl how long a job's lease lives unless renewed
 * @param retryBackoff visibility given to a message after a transient fault on its first attempt; doubled each
 * attempt, with up to 25 % jitter
 * @param maxRetryBackoff the longest such backoff
 * @param drainTimeout on shutdown or a spot notice, how long running jobs may take to finish before they are
 * checkpointed and released; keep it below the pod's termination grace period
 * @param checkpointEvery write a job's render state to S3 every this many steps; 0 for never
 * @param previewEvery write a low-resolution preview every this many steps; 0 for never
 * @param maxJobs jobs (messages) this worker takes before it drains and exits with status 0; 0 for no limit.
 * KEDA's ScaledJob mode runs one Kubernetes Job per message with {@code max-jobs=1}
 * @param spot the EC2 spot interruption notice poller
 * @param device the device of every model that names none: {@code auto} (GPU when DJL sees one), {@code cpu} or
 * {@code gpu} (start-up fails unless DJL sees a GPU). The Helm chart sets {@code gpu}: its pods always get one
 * @param modelDownload how {@code s3://} model locations are downloaded into the model cache
 * @param maxIdle how long the worker may have nothing in hand before it drains and exits with status 0; unset for
 * never. KEDA's ScaledJob mode sets it so a Job that found no message ends ({@code drain.IdleExit})
 * @param batching dynamic batching: filling a forward pass from a lane's backlog
 */
@ConfigurationProperties("kiln.worker")
@Validated
public record WorkerProperties(@DefaultValue("") String id, @DefaultValue("250ms") @NotNull Duration progressInterval,
		@NotEmpty(message = "must name at least one model") Map<String, @Valid Model> models,
		@NotBlank String modelCache, @DefaultValue("1s") @NotNull Duration pollWait,
		@DefaultValue("4") @Min(1) @Max(1000) int laneTurnAfter,
		@DefaultValue("1") @Min(1) @Max(10) int receiveBatch,
		@DefaultValue("5s") @NotNull Duration heartbeatInterval,
		@DefaultValue("120s") @NotNull Duration visibilityTimeout,
		@DefaultValue("30s") @NotNull Duration leaseTtl,
		@DefaultValue("15s") @NotNull Duration retryBackoff,
		@DefaultValue("15m") @NotNull Duration maxRetryBackoff,
		@DefaultValue("20s") @NotNull Duration drainTimeout,
		@DefaultValue("10") @Min(0) int checkpointEvery,
		@DefaultValue("0") @Min(0) int previewEvery, @DefaultValue("0") @Min(0) int maxJobs,
		@Valid @DefaultValue Spot spot,
		@DefaultValue("auto") @Pattern(regexp = "auto|cpu|gpu", message = "must be auto, cpu or gpu") String device,
		@Valid @DefaultValue ModelDownload modelDownload, @Nullable Duration maxIdle,
		@Valid @DefaultValue Batching batching) {

	public WorkerProperties {
		if (id.isBlank()) {
			String host = System.getenv("HOSTNAME");
			id = (host != null && !host.isBlank()) ? host : "worker-" + UUID.randomUUID().toString().substring(0, 8);
		}
		if (models != null) {
			String fallback = device;
			Map<String, Model> resolved = new LinkedHashMap<>();
			models.forEach((name, model) -> resolved.put(name,
					(model == null || model.device() != null) ? model : model.withDevice(fallback)));
			models = Collections.unmodifiableMap(resolved);
		}
	}

	@AssertTrue(message = "poll-wait must be whole seconds between 1s and 20s (SQS long poll limit)")
	boolean isPollWaitValid() {
		return this.pollWait.toMillis() % 1000 == 0 && this.pollWait.compareTo(Duration.ofSeconds(1)) >= 0
				&& this.pollWait.compareTo(Duration.ofSeconds(20)) <= 0;
	}

	@AssertTrue(message = "visibility-timeout must be more than heartbeat-interval and at most 12h")
	boolean isVisibilityTimeoutValid() {
		return this.visibilityTimeout.compareTo(this.heartbeatInterval) > 0
				&& this.visibilityTimeout.compareTo(Duration.ofHours(12)) <= 0;
	}

	@AssertTrue(message = "lease-ttl must be more than heartbeat-interval")
	boolean isLeaseTtlValid() {
		return this.leaseTtl.compareTo(this.heartbeatInterval) > 0;
	}

	@AssertTrue(message = "heartbeat-interval must be at least 100ms")
	boolean isHeartbeatIntervalValid() {
		return this.heartbeatInterval.compareTo(Duration.ofMillis(100)) >= 0;
	}

	@AssertTrue(message = "retry-backoff must be positive and at most max-retry-backoff, which is at most 12h")
	boolean isRetryBackoffValid() {
		return this.retryBackoff.isPositive() && this.retryBackoff.compareTo(this.maxRetryBackoff) <= 0
				&& this.maxRetryBackoff.compareTo(Duration.ofHours(12)) <= 0;
	}

	@AssertTrue(message = "max-idle must be positive when set")
	boolean isMaxIdleValid() {
		return this.maxIdle == null || this.maxIdle.isPositive();
	}

	@AssertTrue(message = "drain-timeout must not be negative")
	boolean isDrainTimeoutValid() {
		return !this.drainTimeout.isNegative();
	}

	/**
	 * Dynamic batching: when a lane has a backlog, the worker keeps receiving from it until the forward pass holds the
	 * model's {@code max-batch} images of compatible jobs (same model, size and steps), for at most {@code max-wait} and
	 * never past the earliest deadline of a job in the pass; on the interactive lane it never waits for jobs that have
	 * not arrived. The rule in full is in {@code dev.kiln.worker.job.BatchPolicy} and the module README.
	 *
	 * @param enabled whether to fill passes from a backlog; off, a pass holds only the compatible jobs of one receive
	 * of {@code receive-batch} messages
	 * @param maxWait the longest time spent filling one pass ({@code batch-wait}), from when its round began; 0 for no
	 * filling beyond the first receive
	 * @param cpu whether to fill passes of models that render on the CPU too. Off by default: on a CPU a pass of n
	 * images costs about n passes of one (the cores are busy at batch 1), and measured here the built-in model rendered
	 * a 64-job backlog of 256² images slower in passes of 8 than one by one (BENCHMARKS.md, "Dynamic batching"); only
	 * models whose per-pass overhead dominates (small ones) gain. GPUs are what batching is for
	 */
	public record Batching(@DefaultValue("true") boolean enabled, @DefaultValue("20ms") @NotNull Duration maxWait,
			@DefaultValue("false") boolean cpu) {

		@AssertTrue(message = "max-wait must be from 0 to 1s (a longer wait holds jobs that are ready to render)")
		boolean isMaxWaitValid() {
			return this.maxWait != null && !this.maxWait.isNegative()
					&& this.maxWait.compareTo(Duration.ofSeconds(1)) <= 0;
		}

	}

	/**
	 * The EC2 spot interruption notice poller (IMDSv2). A notice drains the worker like SIGTERM does.
	 *
	 * @param enabled whether to poll; leave off when not on EC2
	 * @param metadataUrl base URL of the instance metadata service
	 * @param pollInterval how often to ask
	 */
	public record Spot(@DefaultValue("false") boolean enabled,
			@DefaultValue("http://169.254.169.254") @NotNull URI metadataUrl,
			@DefaultValue("5s") @NotNull Duration pollInterval) {
	}

	/**
	 * Downloads of {@code s3://} model locations: each file in ranged GETs of {@code part-size}, {@code parallelism}
	 * at a time; a failed part is tried again up to {@code attempts} times, and parts already on disk are kept for the
	 * next start.
	 *
	 * @param parallelism ranged GETs in flight per file
	 * @param partSize bytes per ranged GET
	 * @param attempts tries per part before the download (and the start-up) fails
	 */
	public record ModelDownload(@DefaultValue("4") @Min(1) @Max(64) int parallelism,
			@DefaultValue("64MB") @NotNull DataSize partSize, @DefaultValue("3") @Min(1) @Max(10) int attempts) {

		@AssertTrue(message = "part-size must be from 1KB to 1GB")
		boolean isPartSizeValid() {
			return this.partSize.toBytes() >= 1024 && this.partSize.toBytes() <= DataSize.ofGigabytes(1).toBytes();
		}

	}

	/**
	 * A model this worker serves.
	 *
	 * @param type how to load it
	 * @param location where its files are: {@code file:/path}, a plain path, {@code classpath:path} or
	 * {@code s3://bucket/prefix} (downloaded once into the model cache)
	 * @param device {@code auto} (GPU when DJL sees one), {@code cpu} or {@code gpu}; unset, the worker's
	 * {@code kiln.worker.device}
	 * @param maxPixels largest width × height it renders; default: the largest size of the model's
	 * {@code kiln-model.json}, else 1048576. With a manifest it can only narrow the manifest's sizes
	 * @param maxSteps most steps it renders; default 150
	 * @param maxBatch most images it renders in one forward pass; default: the manifest's {@code max_batch}, else 8.
	 * With a manifest it must not exceed {@code max_batch} (the batch the trace was checked at)
	 * @param scheduler the default sampler of a {@code sd-torchscript} model (jobs may name another): {@code pndm},
	 * {@code ddim}, {@code euler-ancestral}, {@code euler}, {@code dpm++2m}, {@code dpm++2m-karras} or {@code lcm}
	 * (LCM-distilled models); default: the manifest's {@code default_scheduler}, else {@code pndm}
	 */
	public record Model(@NotNull ModelType type, @NotBlank String location,
			@Pattern(regexp = "auto|cpu|gpu", message = "must be auto, cpu or gpu") String device,
			@Nullable @Min(4096) @Max(4194304) Integer maxPixels, @Nullable @Min(1) @Max(1000) Integer maxSteps,
			@Nullable @Min(1) @Max(64) Integer maxBatch,
			@Nullable @Pattern(regexp = "pndm|ddim|euler-ancestral|euler|dpm\\+\\+2m|dpm\\+\\+2m-karras|lcm",
					message = "must be pndm, ddim, euler-ancestral, euler, dpm++2m, dpm++2m-karras or lcm") String scheduler) {

		/** The same model on that device. */
		Model withDevice(String device) {
			return new Model(this.type, this.location, device, this.maxPixels, this.maxSteps, this.maxBatch,
					this.scheduler);
		}

		@AssertTrue(message = "location must be file:/path, a plain path, classpath:path or s3://bucket/prefix")
		boolean isLocationSupported() {
			return this.location.startsWith("file:") || this.location.startsWith("classpath:")
					|| this.location.matches("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?") || !this.location.contains(":");
		}

	}

	/** How a model is loaded. */
	public enum ModelType {

		/** Kiln's built-in generator, defined with DJL blocks. */
		BUILTIN,

		/** Stable Diffusion from traced TorchScript modules ({@code text_encoder.pt}, {@code unet.pt}, ...). */
		SD_TORCHSCRIPT,

		/**
		 * No model at all: plain grey images at no cost ({@link dev.kiln.worker.render.NoopGenerator}), for
		 * measuring Kiln's own overhead; the location is not read.
		 */
		NOOP;

		/** The name used in configuration and heartbeats ({@code builtin}, {@code sd-torchscript}). */
		public String wireName() {
			return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
		}

	}

}
