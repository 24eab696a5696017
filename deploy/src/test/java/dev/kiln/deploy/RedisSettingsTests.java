package dev.kiln.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * How the chart hands the job store's connection to every Kiln container: a single endpoint (ElastiCache with cluster
 * mode disabled, Redis) or a cluster (MemoryDB, ElastiCache cluster mode), with TLS and an ACL user. Spring Boot reads
 * {@code spring.data.redis.cluster.nodes} ({@code SPRING_DATA_REDIS_CLUSTER_NODES}) and then ignores host and port.
 */
class RedisSettingsTests {

	@Test
	void aSingleEndpointGetsHostAndPortAndNoClusterNodes() {
		for (List<EnvVar> env : containerEnv(render("single", Map.of("redis.host", "kiln.abc.cache.amazonaws.com")))) {
			assertThat(value(env, "SPRING_DATA_REDIS_HOST")).isEqualTo("kiln.abc.cache.amazonaws.com");
			assertThat(value(env, "SPRING_DATA_REDIS_PORT")).isEqualTo("6379");
			assertThat(value(env, "SPRING_DATA_REDIS_SSL_ENABLED")).isEqualTo("false");
			assertThat(names(env)).doesNotContain("SPRING_DATA_REDIS_CLUSTER_NODES", "SPRING_DATA_REDIS_USERNAME");
		}
	}

	@Test
	void clusterModeGivesEveryContainerTheConfigurationEndpointWithTlsAndTheAclUser() {
		RenderedChart chart = render("cluster",
				Map.of("redis.host", "clustercfg.kiln.abc.memorydb.us-east-1.amazonaws.com", "redis.port", "6380",
						"redis.cluster", "true", "redis.ssl", "true", "redis.username", "kiln",
						"redis.existingSecret", "kiln-redis"));
		List<List<EnvVar>> all = containerEnv(chart);
		assertThat(all).hasSizeGreaterThanOrEqualTo(4);
		for (List<EnvVar> env : all) {
			assertThat(value(env, "SPRING_DATA_REDIS_CLUSTER_NODES"))
				.isEqualTo("clustercfg.kiln.abc.memorydb.us-east-1.amazonaws.com:6380");
			assertThat(names(env)).doesNotContain("SPRING_DATA_REDIS_HOST", "SPRING_DATA_REDIS_PORT");
			assertThat(value(env, "SPRING_DATA_REDIS_SSL_ENABLED")).isEqualTo("true");
			assertThat(value(env, "SPRING_DATA_REDIS_USERNAME")).isEqualTo("kiln");
			assertThat(secretRef(env, "SPRING_DATA_REDIS_PASSWORD")).isEqualTo("kiln-redis/redis-password");
		}
	}

	@Test
	void theUserNameCanComeFromTheSecret() {
		RenderedChart chart = render("username-secret", Map.of("redis.cluster", "true", "redis.existingSecret",
				"kiln-redis", "redis.existingSecretUsernameKey", "username"));
		for (List<EnvVar> env : containerEnv(chart)) {
			assertThat(secretRef(env, "SPRING_DATA_REDIS_USERNAME")).isEqualTo("kiln-redis/username");
			assertThat(secretRef(env, "SPRING_DATA_REDIS_PASSWORD")).isEqualTo("kiln-redis/redis-password");
		}
	}

	@Test
	void theSchemaRefusesAUserNameKeyWithoutItsSecretOrBesideAPlainUserName() {
		assertThatIllegalStateException()
			.isThrownBy(() -> render("no-secret", Map.of("redis.existingSecretUsernameKey", "username")))
			.withMessageContaining("existingSecret");
		assertThatIllegalStateException()
			.isThrownBy(() -> render("both", Map.of("redis.existingSecret", "kiln-redis",
					"redis.existingSecretUsernameKey", "username", "redis.username", "kiln")))
			.withMessageContaining("username");
		assertThatIllegalStateException().isThrownBy(() -> render("not-boolean", Map.of("redis.cluster", "yes")))
			.withMessageContaining("cluster");
	}

	private static RenderedChart render(String name, Map<String, Object> values) {
		return RenderedChart.render(name, values, List.of());
	}

	/** The env of every Kiln container (gateway, queue-service, advisor, worker), one list per container. */
	private static List<List<EnvVar>> containerEnv(RenderedChart chart) {
		List<List<EnvVar>> all = new ArrayList<>();
		for (var template : chart.podTemplates()) {
			PodTemplateSpec typed = Serialization.unmarshal(template.toString(), PodTemplateSpec.class);
			typed.getSpec().getContainers().forEach((container) -> all.add(container.getEnv()));
		}
		return all;
	}

	private static List<String> names(List<EnvVar> env) {
		return env.stream().map(EnvVar::getName).toList();
	}

	private static String value(List<EnvVar> env, String name) {
		return variable(env, name).getValue();
	}

	private static String secretRef(List<EnvVar> env, String name) {
		var ref = variable(env, name).getValueFrom().getSecretKeyRef();
		return ref.getName() + "/" + ref.getKey();
	}

	private static EnvVar variable(List<EnvVar> env, String name) {
		return env.stream().filter((e) -> e.getName().equals(name)).findFirst()
			.orElseThrow(() -> new AssertionError("no " + name + " in " + names(env)));
	}

}
