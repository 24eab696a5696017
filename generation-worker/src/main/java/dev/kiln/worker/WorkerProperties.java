package dev.kiln.worker;

import java.time.Duration;
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

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Worker configuration.
 *
 * @param queues where jobs come from and events go
 * @param storage where images go
 * @param worker the worker itself
 */
@ConfigurationProperties("kiln")
@Validated
public record WorkerProperties(@Valid @DefaultValue Queues queues, @Valid @DefaultValue Storage storage,
		@Valid @DefaultValue Worker worker) {

	/**
	 * Queue settings.
	 *
	 * @param prefix prefix of every Kiln queue name; must match the queue service's
	 */
	public record Queues(@DefaultValue("kiln") @Pattern(regexp = "[A-Za-z0-9_-]{1,40}",
			message = "must be 1-40 letters, digits, '-' or '_'") String prefix) {
	}

	/**
	 * Object store settings.
	 *
	 * @param bucket the bucket images are written to
	 */
	public record Storage(@DefaultValue("kiln-images") @NotBlank String bucket) {
	}

	/**
	 * The worker.
	 *
	 * @param id this worker's id in events and metadata; defaults to the host name (the pod name on Kubernetes)
	 * @param progressInterval least time between two progress events of one job
	 * @param models the models this worker serves, by model id
	 */
	public record Worker(@DefaultValue("") String id, @DefaultValue("250ms") @NotNull Duration progressInterval,
			@NotEmpty(message = "must name at least one model") Map<String, @Valid Model> models) {

		public Worker {
			if (id.isBlank()) {
				String host = System.getenv("HOSTNAME");
				id = (host != null && !host.isBlank()) ? host : "worker-" + UUID.randomUUID().toString().substring(0, 8);
			}
		}

	}

	/**
	 * A model this worker serves.
	 *
	 * @param type how to load it
	 * @param location where its files are: {@code file:/path} or a plain path
	 * @param device {@code auto} (GPU when DJL sees one), {@code cpu} or {@code gpu}
	 * @param maxPixels largest width × height it renders
	 * @param maxSteps most steps it renders
	 * @param maxBatch most images it renders in one forward pass
	 */
	public record Model(@NotNull ModelType type, @NotBlank String location,
			@DefaultValue("auto") @Pattern(regexp = "auto|cpu|gpu", message = "must be auto, cpu or gpu") String device,
			@DefaultValue("1048576") @Min(4096) @Max(4194304) int maxPixels,
			@DefaultValue("150") @Min(1) @Max(1000) int maxSteps, @DefaultValue("8") @Min(1) @Max(64) int maxBatch) {

		@AssertTrue(message = "location must be file:/path or a plain path")
		boolean isLocationSupported() {
			return this.location.startsWith("file:") || !this.location.contains(":");
		}

	}

	/** How a model is loaded. */
	public enum ModelType {

		/** Kiln's built-in generator, defined with DJL blocks. */
		BUILTIN

	}

}
