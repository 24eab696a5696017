package dev.kiln.advisor.keda;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import dev.kiln.advisor.keda.externalscaler.ExternalScalerGrpc;
import dev.kiln.advisor.keda.externalscaler.GetMetricSpecResponse;
import dev.kiln.advisor.keda.externalscaler.GetMetricsRequest;
import dev.kiln.advisor.keda.externalscaler.GetMetricsResponse;
import dev.kiln.advisor.keda.externalscaler.IsActiveResponse;
import dev.kiln.advisor.keda.externalscaler.ScaledObjectRef;
import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * KEDA's side of the external scaler: a real gRPC client over TCP, as KEDA connects, against the advisor running the
 * deadline policy on real SQS queues.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
		properties = { "kiln.queues.prefix=kedatest", "kiln.advisor.poll-interval=200ms", "kiln.advisor.grpc-port=0",
				"kiln.advisor.policy=deadline", "kiln.advisor.cooldown=0s",
				"kiln.advisor.deadline.interactive-keep-warm=0s",
				"kiln.advisor.cost.attribution=false" })
class KedaExternalScalerIntegrationTests {

	private static final QueueNames QUEUES = new QueueNames("kedatest");

	private static ManagedChannel channel;

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@BeforeAll
	static void queues(@Autowired SqsAsyncClient sqs, @Autowired KedaScalerServer server) {
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(QUEUES.jobs(lane))).join();
		}
		channel = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
	}

	@AfterAll
	static void close() throws InterruptedException {
		channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
	}

	@Test
	void answersKedasCallsAndPushesActivityWhenTheFirstJobArrives(@Autowired SqsAsyncClient sqs) throws Exception {
		ExternalScalerGrpc.ExternalScalerBlockingStub blocking = ExternalScalerGrpc.newBlockingStub(channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS);
		ScaledObjectRef interactive = ref(Map.of("lane", "interactive"));

		GetMetricSpecResponse spec = blocking.getMetricSpec(interactive);
		assertThat(spec.getMetricSpecsList()).singleElement().satisfies((metric) -> {
			assertThat(metric.getMetricName()).isEqualTo("kiln-replicas-interactive-all");
			assertThat(metric.getTargetSizeFloat()).isEqualTo(1.0);
			assertThat(metric.getTargetSize()).isEqualTo(1);
		});
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(
					ExternalScalerGrpc.newBlockingStub(channel).isActive(interactive).getResult())
				.isFalse());

		BlockingQueue<Boolean> pushed = new LinkedBlockingQueue<>();
		ExternalScalerGrpc.newStub(channel).streamIsActive(interactive, new StreamObserver<>() {
			@Override
			public void onNext(IsActiveResponse value) {
				pushed.add(value.getResult());
			}

			@Override
			public void onError(Throwable error) {
			}

			@Override
			public void onCompleted() {
			}
		});
		assertThat(pushed.poll(10, TimeUnit.SECONDS)).isFalse();

		String url = sqs.getQueueUrl((b) -> b.queueName(QUEUES.jobs(Lane.INTERACTIVE))).join().queueUrl();
		long sentAt = System.nanoTime();
		sqs.sendMessage((b) -> b.queueUrl(url).messageBody("job")).join();
		Boolean active = pushed.poll(10, TimeUnit.SECONDS);
		long millis = (System.nanoTime() - sentAt) / 1_000_000;
		System.out.println("StreamIsActive pushed " + active + " " + millis + " ms after the first job was accepted");
		assertThat(active).isTrue();

		GetMetricsResponse metrics = blocking.getMetrics(GetMetricsRequest.newBuilder()
			.setScaledObjectRef(interactive)
			.setMetricName("kiln-replicas-interactive-all")
			.build());
		assertThat(metrics.getMetricValuesList()).singleElement().satisfies((value) -> {
			assertThat(value.getMetricName()).isEqualTo("kiln-replicas-interactive-all");
			assertThat(value.getMetricValueFloat()).isEqualTo(1.0);
		});
		assertThat(blocking.isActive(interactive).getResult()).isTrue();
		assertThat(blocking.isActive(ref(Map.of("lane", "batch"))).getResult()).isFalse();

		sqs.purgeQueue((b) -> b.queueUrl(url)).join();
		assertThat(pushed.poll(10, TimeUnit.SECONDS)).isFalse();
	}

	@Test
	void refusesUnknownMetadata() {
		ExternalScalerGrpc.ExternalScalerBlockingStub blocking = ExternalScalerGrpc.newBlockingStub(channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS);
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> blocking.getMetricSpec(ref(Map.of("capacity", "reserved"))))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
		Iterator<IsActiveResponse> stream = blocking.streamIsActive(ref(Map.of("lane", "nowhere")));
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(stream::hasNext);
	}

	private static ScaledObjectRef ref(Map<String, String> metadata) {
		return ScaledObjectRef.newBuilder()
			.setName("kiln-worker")
			.setNamespace("kiln")
			.putAllScalerMetadata(metadata)
			.build();
	}

}
