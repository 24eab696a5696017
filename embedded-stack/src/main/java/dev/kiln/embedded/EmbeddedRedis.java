package dev.kiln.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;

import redis.embedded.RedisServer;

/**
 * A real {@code redis-server} process (the binary bundled with embedded-redis) on loopback, without persistence.
 * It can be stopped and started again on the same port to test what clients do when Redis goes away.
 */
public final class EmbeddedRedis implements AutoCloseable {

	private final int port;

	private RedisServer server;

	private EmbeddedRedis(int port) {
		this.port = port;
		this.server = build(port);
	}

	/**
	 * Starts a server.
	 * @param port the port, {@code 0} for a free one
	 * @return the running server
	 */
	public static EmbeddedRedis start(int port) {
		EmbeddedRedis redis = new EmbeddedRedis(Ports.claim(port, "the embedded Redis server", "--redis-port"));
		redis.startServer();
		return redis;
	}

	private static RedisServer build(int port) {
		try {
			return RedisServer.newRedisServer()
				.port(port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.setting("maxmemory 512mb")
				// Kiln's Redis setting: job records (a ≈ 350-byte request among small fields) stay compact
				.setting("hash-max-ziplist-value 1024")
				.onShutdownForceStop(true)
				.build();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not prepare the embedded Redis server", ex);
		}
	}

	private void startServer() {
		try {
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded Redis server on port " + this.port, ex);
		}
	}

	/** The port it listens on. */
	public int port() {
		return this.port;
	}

	/** Whether the server process is running. */
	public boolean isRunning() {
		return this.server.isActive();
	}

	/** Stops the server and starts a fresh, empty one on the same port. */
	public void restart() {
		close();
		this.server = build(this.port);
		startServer();
	}

	@Override
	public void close() {
		try {
			if (this.server.isActive()) {
				this.server.stop();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not stop the embedded Redis server", ex);
		}
	}

}
