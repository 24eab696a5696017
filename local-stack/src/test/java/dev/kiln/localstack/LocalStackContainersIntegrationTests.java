package dev.kiln.localstack;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The same end-to-end scenarios against LocalStack (SQS, S3) and Redis in containers, where Docker exists. Skipped
 * without Docker, as on Kiln's CI machines; the embedded stand-ins cover every scenario there.
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackContainersIntegrationTests extends EndToEndScenarios {

	@Container
	static final LocalStackContainer localstack = new LocalStackContainer(
			DockerImageName.parse("localstack/localstack:4.9"))
		.withServices("sqs", "s3");

	@Container
	static final GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse("redis:7.4-alpine"))
		.withExposedPorts(6379);

	@BeforeAll
	static void start(@TempDir Path work) {
		Map<String, String> backend = new LinkedHashMap<>();
		backend.put("spring.cloud.aws.region.static", localstack.getRegion());
		backend.put("spring.cloud.aws.credentials.access-key", localstack.getAccessKey());
		backend.put("spring.cloud.aws.credentials.secret-key", localstack.getSecretKey());
		backend.put("spring.cloud.aws.sqs.endpoint", localstack.getEndpoint().toString());
		backend.put("spring.cloud.aws.s3.endpoint", localstack.getEndpoint().toString());
		backend.put("spring.cloud.aws.s3.path-style-access-enabled", "true");
		backend.put("spring.data.redis.host", redis.getHost());
		backend.put("spring.data.redis.port", Integer.toString(redis.getMappedPort(6379)));
		use(LocalStack.startAgainst(LocalStackOptions.anyPorts(work), backend));
	}

}
