package dev.kiln.jobstore;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.kiln.embedded.EmbeddedRedisCluster;

/**
 * A real three-master Redis Cluster for a test class, reached through a cluster-mode connection, which is what
 * {@code spring.data.redis.cluster.nodes} gives (as on MemoryDB). Register it in a static field:
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusterExtension cluster = new RedisClusterExtension();
 * }</pre>
 * The cluster starts before the class's first test and stops after its last.
 */
public final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback {

	private static final int MASTERS = 3;

	private EmbeddedRedisCluster cluster;

	private LettuceConnectionFactory factory;

	private StringRedisTemplate redis;

	@Override
	public void beforeAll(ExtensionContext context) {
		this.cluster = EmbeddedRedisCluster.start(MASTERS);
		this.factory = new LettuceConnectionFactory(new RedisClusterConfiguration(this.cluster.nodes()));
		this.factory.afterPropertiesSet();
		this.factory.start();
		this.redis = new StringRedisTemplate(this.factory);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		if (this.factory != null) {
			this.factory.destroy();
		}
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	/**
	 * The template over the cluster connection.
	 * @return the template; set once the class's tests begin
	 */
	public StringRedisTemplate redis() {
		return this.redis;
	}

	/**
	 * The cluster-mode connection factory, for what the template does not offer (cluster commands).
	 * @return the factory; set once the class's tests begin
	 */
	public LettuceConnectionFactory connectionFactory() {
		return this.factory;
	}

}
