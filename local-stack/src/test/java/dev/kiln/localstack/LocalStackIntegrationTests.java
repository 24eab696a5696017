package dev.kiln.localstack;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The end-to-end scenarios against the embedded SQS (ElasticMQ), S3 (LocalS3) and Redis: what CI runs. */
class LocalStackIntegrationTests extends EndToEndScenarios {

	@BeforeAll
	static void start(@TempDir Path work) {
		use(LocalStack.start(LocalStackOptions.anyPorts(work)));
	}

}
