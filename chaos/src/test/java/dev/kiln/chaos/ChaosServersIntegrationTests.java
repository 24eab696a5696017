package dev.kiln.chaos;

import java.util.List;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The restartable SQS keeps what it acknowledged across a restart, and is really down in between (the durable Redis
 * is {@code EmbeddedRedis.startDurable}, tested in embedded-stack).
 */
class ChaosServersIntegrationTests {

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
