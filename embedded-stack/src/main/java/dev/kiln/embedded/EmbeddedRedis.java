package dev.kiln.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;
import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

/**
 * A real {@code redis-server} process (the binary bundled with embedded-redis) on loopback, with Kiln's Redis
 * settings. By default without persistence: {@link #restart()} brings back an empty server, to test what clients do
 * when Redis goes away. {@link #startDurable} keeps an append-only file synced on every write instead, so that a
 * {@link #stop()} and {@link #resume()} keep every write it acknowledged, like a node restart of a durable Redis
 * (MemoryDB, or Redis with AOF on a persistent volume); the chaos run restarts that one.
 */
public final class EmbeddedRedis implements AutoCloseable {

	private final int port;

	private final @Nullable Path directory;

	private RedisServer server;

	private EmbeddedRedis(int port, @Nullable Path directory) {
		this.port = port;
		this.directory = directory;
		this.server = build();
	}

	/**
	 * Starts a server without persistence.
	 * @param port the port, {@code 0} for a free one
	 * @return the running server
	 */
	public static EmbeddedRedis start(int port) {
		EmbeddedRedis redis = new EmbeddedRedis(Ports.claim(port, "the embedded Redis server", "--redis-port"), null);
		redis.startServer();
		return redis;
	}

	/**
	 * Starts a server that keeps what it acknowledged: its append-only file, synced on every write
	 * ({@code appendfsync always}), is in {@code directory}, and a server started again there loads it.
	 * @param port the port, {@code 0} for a free one
	 * @param directory where the server keeps its data; created if missing
	 * @return the running server
	 */
	public static EmbeddedRedis startDurable(int port, Path directory) {
		try {
			Files.createDirectories(directory);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create " + directory, ex);
		}
		EmbeddedRedis redis = new EmbeddedRedis(Ports.claim(port, "the durable embedded Redis server", "--redis-port"),
				directory.toAbsolutePath());
		redis.startServer();
		return redis;
	}

	private RedisServer build() {
		RedisServerBuilder builder = RedisServer.newRedisServer()
			.port(this.port)
			.bind("127.0.0.1")
			.setting("save \"\"");
		if (this.directory != null) {
			builder.setting("dir " + this.directory).setting("appendonly yes").setting("appendfsync always");
		}
		else {
			builder.setting("appendonly no");
		}
		try {
			return builder.setting("maxmemory 512mb")
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
	public synchronized boolean isRunning() {
		return this.server.isActive();
	}

	/** Stops the server process; a durable server's acknowledged writes are in its append-only file. */
	public synchronized void stop() {
		try {
			if (this.server.isActive()) {
				this.server.stop();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not stop the embedded Redis server", ex);
		}
	}

	/**
	 * Starts a new server process on the same port after {@link #stop()}: empty, or for a durable server with what
	 * the stopped one acknowledged.
	 */
	public synchronized void resume() {
		this.server = build();
		startServer();
	}

	/** Stops the server and starts it again on the same port: empty again, unless it is durable. */
	public synchronized void restart() {
		stop();
		resume();
	}

	@Override
	public void close() {
		stop();
	}

}
