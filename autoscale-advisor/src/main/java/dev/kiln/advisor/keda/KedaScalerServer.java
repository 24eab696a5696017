package dev.kiln.advisor.keda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import lombok.AccessLevel;
import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.advisor.scaling.ScalingAdvisor;

/** Runs the KEDA external scaler's gRPC server on {@code kiln.advisor.grpc-port} (0 picks a free port). */
@Component
@RequiredArgsConstructor(access = AccessLevel.PACKAGE)
public class KedaScalerServer implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(KedaScalerServer.class);

	private final ScalingAdvisor advisor;

	private final AdvisorProperties properties;

	private volatile @Nullable Server server;

	@Override
	public void start() {
		try {
			Server started = NettyServerBuilder.forPort(this.properties.grpcPort())
				.addService(new ExternalScalerService(this.advisor))
				.build()
				.start();
			this.server = started;
			logger.info("KEDA external scaler listening on gRPC port {}", started.getPort());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(
					"Cannot start the KEDA external scaler on port " + this.properties.grpcPort(), ex);
		}
	}

	@Override
	public void stop() {
		Server running = this.server;
		if (running != null) {
			running.shutdown();
			try {
				if (!running.awaitTermination(5, TimeUnit.SECONDS)) {
					running.shutdownNow();
				}
			}
			catch (InterruptedException ex) {
				running.shutdownNow();
				Thread.currentThread().interrupt();
			}
			this.server = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.server != null;
	}

	/** The port the server listens on, {@code -1} when not running. */
	public int port() {
		Server running = this.server;
		return (running != null) ? running.getPort() : -1;
	}

}
