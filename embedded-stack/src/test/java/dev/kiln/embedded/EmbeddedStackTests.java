package dev.kiln.embedded;

import java.net.InetAddress;
import java.net.ServerSocket;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The stand-ins answer real protocol clients: the AWS SDK for SQS and S3, Lettuce for Redis. */
class EmbeddedStackTests {

	private static EmbeddedStack stack;

	@BeforeAll
	static void start() {
		stack = EmbeddedStack.start();
	}

	@AfterAll
	static void stop() {
		stack.close();
	}

	@Test
	void sqsSendsAndReceivesThroughTheAwsSdk() {
		try (SqsClient sqs = SqsClient.builder()
			.endpointOverride(stack.sqs().endpoint())
			.region(Region.US_EAST_1)
			.credentialsProvider(credentials())
			.build()) {
			String url = sqs.createQueue(b -> b.queueName("probe")).queueUrl();
			sqs.sendMessage(b -> b.queueUrl(url).messageBody("hello"));
			Message received = sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(2)).messages().get(0);
			assertThat(received.body()).isEqualTo("hello");
		}
	}

	@Test
	void s3StoresObjectsWithPathStyleAccess() {
		try (S3Client s3 = S3Client.builder()
			.endpointOverride(stack.s3().endpoint())
			.region(Region.US_EAST_1)
			.forcePathStyle(true)
			.credentialsProvider(credentials())
			.build()) {
			s3.createBucket(b -> b.bucket("probe"));
			s3.putObject(b -> b.bucket("probe").key("a/b.txt"), RequestBody.fromString("bytes"));
			assertThat(s3.getObject(b -> b.bucket("probe").key("a/b.txt"), ResponseTransformer.toBytes())
				.asUtf8String()).isEqualTo("bytes");
		}
	}

	@Test
	void redisAnswersAndComesBackEmptyAfterARestart() {
		RedisClient client = RedisClient.create("redis://127.0.0.1:" + stack.redis().port());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			connection.sync().set("k", "v");
			assertThat(connection.sync().get("k")).isEqualTo("v");
		}
		stack.redis().restart();
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			assertThat(connection.sync().get("k")).isNull();
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void aTakenPortIsReportedWithTheOptionThatChangesIt() throws Exception {
		try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			assertThatExceptionOfType(Ports.PortInUseException.class)
				.isThrownBy(() -> EmbeddedSqs.start(taken.getLocalPort()))
				.withMessageContaining("Port " + taken.getLocalPort())
				.withMessageContaining("--sqs-port");
		}
	}

	@Test
	void servicePropertiesPointAtTheStandIns() {
		assertThat(stack.serviceProperties()).containsEntry("spring.cloud.aws.s3.path-style-access-enabled", "true")
			.containsEntry("spring.data.redis.port", Integer.toString(stack.redis().port()))
			.containsEntry("spring.cloud.aws.sqs.endpoint", "http://localhost:" + stack.sqs().port());
	}

	private static StaticCredentialsProvider credentials() {
		return StaticCredentialsProvider.create(AwsBasicCredentials.create("kiln-local", "kiln-local"));
	}

}
