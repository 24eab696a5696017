package dev.kiln.worker.drain;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.kiln.worker.WorkerProperties;

/**
 * Asks the EC2 instance metadata service (IMDSv2: a token from {@code PUT /latest/api/token}, then
 * {@code GET /latest/meta-data/spot/instance-action}) whether this spot instance is about to be reclaimed; a notice
 * (HTTP 200) raises the {@link DrainSignal}. 404 means no notice. Off unless {@code kiln.worker.spot.enabled}.
 */
@Component
class SpotInterruptionPoller implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(SpotInterruptionPoller.class);

	private static final Duration TIMEOUT = Duration.ofSeconds(2);

	private final WorkerProperties.Spot settings;

	private final DrainSignal signal;

	private final HttpClient http;

	private @Nullable ScheduledExecutorService scheduler;

	private @Nullable String token;

	SpotInterruptionPoller(WorkerProperties properties, DrainSignal signal) {
		this.settings = properties.spot();
		this.signal = signal;
		this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
	}

	@Override
	public synchronized void start() {
		if (!this.settings.enabled() || this.scheduler != null) {
			return;
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
				Thread.ofPlatform().daemon().name("kiln-spot-notice").factory());
		long period = this.settings.pollInterval().toMillis();
		executor.scheduleWithFixedDelay(this::check, 0, period, TimeUnit.MILLISECONDS);
		this.scheduler = executor;
		logger.info("Watching {} for spot interruption notices every {}", this.settings.metadataUrl(),
				this.settings.pollInterval());
	}

	@Override
	public synchronized void stop() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
			this.scheduler = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

	/** Asks once; raises the signal on a notice. Public to the package for tests. */
	void check() {
		if (this.signal.raised()) {
			return;
		}
		try {
			String notice = instanceAction();
			if (notice != null) {
				this.signal.raise("EC2 spot interruption notice " + notice);
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Spot interruption notice check failed: {}", ex.getMessage());
			this.token = null;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private @Nullable String instanceAction() throws IOException, InterruptedException {
		if (this.token == null) {
			HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(resolve("latest/api/token"))
				.timeout(TIMEOUT)
				.header("X-aws-ec2-metadata-token-ttl-seconds", "21600")
				.PUT(HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != 200) {
				throw new IOException("IMDSv2 token request answered " + response.statusCode());
			}
			this.token = response.body().trim();
		}
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(resolve("latest/meta-data/spot/instance-action"))
					.timeout(TIMEOUT)
					.header("X-aws-ec2-metadata-token", this.token)
					.GET()
					.build(),
				HttpResponse.BodyHandlers.ofString());
		return switch (response.statusCode()) {
			case 200 -> response.body();
			case 404 -> null;
			case 401 -> {
				this.token = null;
				throw new IOException("IMDSv2 token expired");
			}
			default -> throw new IOException("spot/instance-action answered " + response.statusCode());
		};
	}

	private URI resolve(String path) {
		String base = this.settings.metadataUrl().toString();
		return URI.create(base.endsWith("/") ? base + path : base + "/" + path);
	}

}
