package dev.kiln.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import org.awaitility.core.ConditionTimeoutException;
import redis.embedded.RedisServer;

import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of real {@code redis-server} processes (the binary bundled with embedded-redis) on loopback: each
 * node a master owning an equal share of the 16384 slots, no replicas, no persistence. It stands in for a
 * cluster-mode store such as Amazon MemoryDB, which is always a cluster. The nodes are joined with
 * {@code CLUSTER ADDSLOTS} and {@code CLUSTER MEET} over Lettuce (embedded-redis's own sharded-cluster builder does the
 * same through Jedis, which Kiln excludes).
 */
public final class EmbeddedRedisCluster implements AutoCloseable {

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

	private final Path directory;

	private final List<Integer> ports;

	private final List<RedisServer> servers = new ArrayList<>();

	private EmbeddedRedisCluster(Path directory, List<Integer> ports) {
		this.directory = directory;
		this.ports = List.copyOf(ports);
	}

	/**
	 * Starts a cluster and waits until every node reports {@code cluster_state:ok}.
	 * @param masters the number of master nodes, at least 3 (Redis Cluster's minimum)
	 * @return the running cluster
	 */
	public static EmbeddedRedisCluster start(int masters) {
		if (masters < 3) {
			throw new IllegalArgumentException("A Redis Cluster needs at least 3 masters, got " + masters);
		}
		EmbeddedRedisCluster cluster;
		try {
			cluster = new EmbeddedRedisCluster(Files.createTempDirectory("kiln-redis-cluster"), clusterPorts(masters));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create the embedded Redis Cluster's directory", ex);
		}
		try {
			cluster.startServers();
			cluster.join();
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	/** The nodes' ports (each node's cluster bus listens on its port + 10000). */
	public List<Integer> ports() {
		return this.ports;
	}

	/** The nodes as {@code host:port}, as {@code spring.data.redis.cluster.nodes} takes them. */
	public List<String> nodes() {
		return this.ports.stream().map((port) -> "127.0.0.1:" + port).toList();
	}

	/** The port of the master that serves a key's slot. */
	public int portServing(String key) {
		int slot = SlotHash.getSlot(key);
		return this.ports.get(slot * this.ports.size() / SlotHash.SLOT_COUNT);
	}

	private void startServers() {
		for (int port : this.ports) {
			try {
				RedisServer server = RedisServer.newRedisServer()
					.port(port)
					.bind("127.0.0.1")
					.setting("cluster-enabled yes")
					.setting("cluster-config-file " + this.directory.resolve("nodes-" + port + ".conf"))
					.setting("cluster-node-timeout 5000")
					.setting("dir " + this.directory)
					.setting("save \"\"")
					.setting("appendonly no")
					.setting("maxmemory 128mb")
					.onShutdownForceStop(true)
					.build();
				this.servers.add(server);
				server.start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not start an embedded Redis Cluster node on port " + port, ex);
			}
		}
	}

	private void join() {
		RedisClient client = RedisClient.create();
		try {
			List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
			for (int port : this.ports) {
				connections.add(client.connect(RedisURI.create("127.0.0.1", port)));
			}
			int n = this.ports.size();
			for (int i = 0; i < n; i++) {
				// node i owns slots [i * 16384 / n, (i + 1) * 16384 / n), which portServing relies on
				int from = i * SlotHash.SLOT_COUNT / n;
				int to = (i + 1) * SlotHash.SLOT_COUNT / n;
				connections.get(i).sync().clusterAddSlots(IntStream.range(from, to).toArray());
			}
			for (int i = 1; i < n; i++) {
				connections.get(0).sync().clusterMeet("127.0.0.1", this.ports.get(i));
			}
			awaitReady(connections);
			connections.forEach(StatefulRedisConnection::close);
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

	private void awaitReady(List<StatefulRedisConnection<String, String>> connections) {
		String known = "cluster_known_nodes:" + connections.size();
		try {
			await().atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> connections.stream()
				.map((connection) -> connection.sync().clusterInfo())
				.allMatch((info) -> info.contains("cluster_state:ok") && info.contains(known)));
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException("The embedded Redis Cluster on " + this.ports + " was not ready after "
					+ READY_TIMEOUT + ": " + connections.get(0).sync().clusterInfo(), ex);
		}
	}

	/** Free ports whose cluster-bus port (+10000) is free too. */
	private static List<Integer> clusterPorts(int count) {
		List<Integer> ports = new ArrayList<>();
		for (int attempt = 0; ports.size() < count && attempt < 1000; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(20_000, 45_000);
			if (!ports.contains(port) && canBind(port) && canBind(port + 10_000)) {
				ports.add(port);
			}
		}
		if (ports.size() < count) {
			throw new IllegalStateException("Could not find " + count + " free port pairs for an embedded Redis Cluster");
		}
		return ports;
	}

	private static boolean canBind(int port) {
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	public void close() {
		for (RedisServer server : this.servers) {
			try {
				if (server.isActive()) {
					server.stop();
				}
			}
			catch (IOException ex) {
				// keep stopping the others
			}
		}
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			// a temporary directory left behind
		}
	}

}
