package dev.kiln.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The restartable servers keep what they acknowledged across a restart, and are really down in between. */
class ChaosServersIntegrationTests {

	@Test
	void redisComesBackWithEveryAcknowledgedWrite(@TempDir Path directory) {
		try (ChaosRedis redis = ChaosRedis.start(directory)) {
			LettuceConnectionFactory connections = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", redis.port()),
					LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
			connections.afterPropertiesSet();
			connections.start();
			try {
				StringRedisTemplate template = new StringRedisTemplate(connections);
				template.opsForHash().put("{kiln}:job:1", "state", "QUEUED");
				template.opsForZSet().add("{kiln}:lane:standard:queued", "1", 1);

				redis.stop();
				assertThat(reachable(template)).as("reachable while stopped").isFalse();
				redis.resume();

				assertThat(template.opsForHash().get("{kiln}:job:1", "state")).isEqualTo("QUEUED");
				assertThat(template.opsForZSet().range("{kiln}:lane:standard:queued", 0, -1)).containsExactly("1");
			}
			finally {
				connections.destroy();
			}
		}
	}

	private static boolean reachable(StringRedisTemplate template) {
		try {
			template.hasKey("{kiln}:job:1");
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	@Test
	void sqsComesBackWithTheSameQueuesAndMessagesAndRefusesConnectionsInBetween() {
		try (ChaosSqs sqs = ChaosSqs.start();
				SqsClient client = SqsClient.builder()
					.endpointOverride(sqs.endpoint())
					.region(Region.US_EAST_1)
					.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k")))
					.build()) {
			String url = client.createQueue((b) -> b.queueName("chaos-servers")).queueUrl();
			client.sendMessage((b) -> b.queueUrl(url).messageBody("kept"));
			client.sendMessage((b) -> b.queueUrl(url).messageBody("in flight"));
			String inFlight = client.receiveMessage((b) -> b.queueUrl(url).visibilityTimeout(600))
				.messages()
				.get(0)
				.body();

			sqs.stop();
			assertThatExceptionOfType(SdkClientException.class)
				.isThrownBy(() -> client.getQueueUrl((b) -> b.queueName("chaos-servers")));
			sqs.resume();

			assertThat(client.getQueueUrl((b) -> b.queueName("chaos-servers")).queueUrl()).isEqualTo(url);
			List<Message> visible = client.receiveMessage((b) -> b.queueUrl(url).maxNumberOfMessages(10)).messages();
			assertThat(visible).extracting(Message::body).containsExactly((inFlight.equals("kept")) ? "in flight" : "kept");
		}
	}

}
