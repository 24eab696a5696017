package dev.kiln.embedded;

import java.util.List;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The embedded cluster is a real Redis Cluster: three masters sharing the slots, keys routed across them. */
class EmbeddedRedisClusterTests {

	@Test
	void threeMastersShareTheSlotsAndKeysSpreadOverThem() {
		try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.start(3)) {
			RedisClusterClient client = RedisClusterClient
				.create(cluster.ports().stream().map((port) -> RedisURI.create("127.0.0.1", port)).toList());
			try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
				List<RedisClusterNode> masters = connection.getPartitions()
					.stream()
					.filter((node) -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
					.toList();
				assertThat(masters).hasSize(3);
				assertThat(masters.stream().mapToInt((node) -> node.getSlots().size()).sum()).isEqualTo(16384);
				for (String key : List.of("a", "b", "c", "kiln:job:1", "{kiln}:job:1")) {
					connection.sync().set(key, "v");
					int port = connection.getPartitions().getPartitionBySlot(SlotHash.getSlot(key))
						.getUri()
						.getPort();
					assertThat(cluster.portServing(key)).as(key).isEqualTo(port);
					assertThat(connection.sync().get(key)).isEqualTo("v");
				}
				assertThat(List.of("a", "b", "c").stream().map(cluster::portServing).distinct()).hasSize(3);
			}
			finally {
				client.shutdown();
			}
		}
	}

	@Test
	void refusesFewerThanThreeMasters() {
		assertThatIllegalArgumentException().isThrownBy(() -> EmbeddedRedisCluster.start(2))
			.withMessageContaining("at least 3 masters");
	}

}
