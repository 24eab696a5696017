package dev.kiln.queue.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.PutBucketLifecycleConfigurationRequest;
import software.amazon.awssdk.services.s3.model.PutBucketLifecycleConfigurationResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import dev.kiln.contract.QueueNames;
import dev.kiln.queue.QueueServiceProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.mockito.Mockito.mock;

/** The bucket's lifecycle rule expires job outputs after kiln.retention; a store without lifecycle support is fine. */
class ProvisionerTests {

	@Test
	void theBucketExpiresJobOutputsAfterTheRetentionRoundedUpToDays() {
		List<PutBucketLifecycleConfigurationRequest> requests = new ArrayList<>();
		S3Client s3 = new FakeS3() {
			@Override
			public PutBucketLifecycleConfigurationResponse putBucketLifecycleConfiguration(
					PutBucketLifecycleConfigurationRequest request) {
				requests.add(request);
				return PutBucketLifecycleConfigurationResponse.builder().build();
			}
		};
		provisioner(s3, Duration.ofHours(36)).expireOutputs("images");
		assertThat(requests).singleElement().satisfies((request) -> {
			assertThat(request.bucket()).isEqualTo("images");
			LifecycleRule rule = request.lifecycleConfiguration().rules().get(0);
			assertThat(rule.id()).isEqualTo("kiln-retention");
			assertThat(rule.filter().prefix()).isEqualTo("jobs/");
			assertThat(rule.status()).isEqualTo(ExpirationStatus.ENABLED);
			assertThat(rule.expiration().days()).isEqualTo(2);
		});
	}

	@Test
	void aStoreWithoutLifecycleSupportDoesNotStopProvisioning() {
		S3Client s3 = new FakeS3() {
			@Override
			public PutBucketLifecycleConfigurationResponse putBucketLifecycleConfiguration(
					PutBucketLifecycleConfigurationRequest request) {
				throw S3Exception.builder().statusCode(501).message("not implemented").build();
			}
		};
		assertThatNoException().isThrownBy(() -> provisioner(s3, Duration.ofDays(7)).expireOutputs("images"));
	}

	@Test
	void nothingIsProvisionedUnlessAskedFor() {
		ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Provisioner.class);
		runner.run((context) -> assertThat(context).doesNotHaveBean(Provisioner.class));
		runner.withPropertyValues("kiln.provision=false")
			.run((context) -> assertThat(context).doesNotHaveBean(Provisioner.class));
		runner.withPropertyValues("kiln.provision=true")
			.run((context) -> assertThat(context).getFailure().hasMessageContaining(SqsAsyncClient.class.getName()));
	}

	@Test
	void expirationDaysRoundUpAndAreAtLeastOne() {
		assertThat(Provisioner.expirationDays(Duration.ofDays(7))).isEqualTo(7);
		assertThat(Provisioner.expirationDays(Duration.ofDays(7).plusSeconds(1))).isEqualTo(8);
		assertThat(Provisioner.expirationDays(Duration.ofMinutes(5))).isEqualTo(1);
	}

	private static Provisioner provisioner(S3Client s3, Duration retention) {
		QueueTopology topology = new QueueTopology(QueueNames.defaults(),
				new QueueServiceProperties.Queues(3, Duration.ofSeconds(120), Duration.ofDays(4)), "images", retention);
		return new Provisioner(mock(SqsAsyncClient.class), s3, topology);
	}

	private abstract static class FakeS3 implements S3Client {

		@Override
		public String serviceName() {
			return "s3";
		}

		@Override
		public void close() {
		}

	}

}
