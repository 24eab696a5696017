package dev.kiln.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import redis.embedded.RedisServer;

import dev.kiln.embedded.Ports;

/**
 * A real {@code redis-server} process with an append-only file synced on every write ({@code appendfsync always}) in
 * its own directory: a restart (the process is killed and started again on the same port) keeps every write Redis
 * acknowledged, like a node restart of a durable Redis (MemoryDB, or Redis with AOF on a persistent volume).
 */
final class ChaosRedis implements AutoCloseable {

	private final int port;

	private final Path directory;

	private RedisServer server;

	private ChaosRedis(int port, Path directory) {
		this.port = port;
		this.directory = directory;
		this.server = build();
	}

	static ChaosRedis start(Path directory) {
		try {
			Files.createDirectories(directory);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create " + directory, ex);
		}
		ChaosRedis redis = new ChaosRedis(Ports.claim(0, "the chaos Redis server", "-"), directory.toAbsolutePath());
		redis.run();
		return redis;
	}

	private RedisServer build() {
		try {
			return RedisServer.newRedisServer()
				.port(this.port)
				.bind("127.0.0.1")
				.setting("dir " + this.directory)
				.setting("save \"\"")
				.setting("appendonly yes")
				.setting("appendfsync always")
				.setting("maxmemory 512mb")
				.onShutdownForceStop(true)
				.build();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not prepare the chaos Redis server", ex);
		}
	}

	private void run() {
		try {
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the chaos Redis server on port " + this.port, ex);
		}
	}

	int port() {
		return this.port;
	}

	/** Stops the process; what it acknowledged is in its append-only file. */
	synchronized void stop() {
		try {
			if (this.server.isActive()) {
				this.server.stop();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not stop the chaos Redis server", ex);
		}
	}

	/** Starts a new process on the same port and directory; it loads the append-only file. */
	synchronized void resume() {
		this.server = build();
		run();
	}

	@Override
	public void close() {
		stop();
	}

}
