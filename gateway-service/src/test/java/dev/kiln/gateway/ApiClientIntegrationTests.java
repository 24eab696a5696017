package dev.kiln.gateway;

import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.gateway.client.ApiClient;
import dev.kiln.gateway.client.ApiException;
import dev.kiln.gateway.client.api.JobsApi;
import dev.kiln.gateway.client.api.ModelsApi;
import dev.kiln.gateway.client.model.JobPage;
import dev.kiln.gateway.client.model.JobView;
import dev.kiln.gateway.client.model.SubmitJobRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Drives the API through a Java client generated (openapi-generator, {@code generate-test-sources}) from the
 * committed spec, which {@link ApiSpecIntegrationTests} holds equal to what the gateway serves: if the code and the
 * spec drift apart, this client stops compiling or these calls fail.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwclient", "kiln.storage.bucket=gwclient-images",
				"kiln.gateway.auth.bootstrap-keys[0].key=" + ApiClientIntegrationTests.KEY,
				"kiln.gateway.auth.bootstrap-keys[0].tenant=client-acme" })
class ApiClientIntegrationTests {

	static final String KEY = "gwclient-key-0123456789abc";

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	private int port;

	private JobsApi jobs;

	private ModelsApi models;

	@BeforeAll
	static void createQueues(@Autowired SqsAsyncClient sqs) {
		QueueNames queues = new QueueNames("gwclient");
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(queues.jobs(lane))).join();
		}
	}

	@BeforeEach
	void client() {
		ApiClient client = new ApiClient();
		client.updateBaseUri("http://localhost:" + this.port);
		client.setRequestInterceptor((request) -> request.header("Authorization", "Bearer " + KEY));
		this.jobs = new JobsApi(client);
		this.models = new ModelsApi(client);
	}

	@Test
	void submitsReadsListsAndCancelsThroughTheGeneratedClient() throws ApiException {
		SubmitJobRequest request = new SubmitJobRequest();
		request.setPrompt("a generated fox");
		request.setWidth(64);
		request.setHeight(64);
		request.setLane(SubmitJobRequest.LaneEnum.BATCH);
		request.setMetadata(Map.of("order", "A-17"));
		JobView submitted = this.jobs.submitJob(request, "client-order-17");
		assertThat(submitted.getState()).isEqualTo(JobView.StateEnum.QUEUED);
		assertThat(submitted.getQueue().getPosition()).isPositive();
		assertThat(submitted.getMetadata()).containsEntry("order", "A-17");

		JobView read = this.jobs.getJob(submitted.getId());
		assertThat(read.getPrompt()).isEqualTo("a generated fox");
		assertThat(this.jobs.submitJob(request, "client-order-17").getId()).isEqualTo(submitted.getId());

		JobPage page = this.jobs.listJobs("QUEUED", "batch", null, 10);
		assertThat(page.getJobs()).extracting(JobView::getId).contains(submitted.getId());

		JobView cancelled = this.jobs.cancelJob(submitted.getId());
		assertThat(cancelled.getState()).isEqualTo(JobView.StateEnum.CANCELLED);
		assertThat(this.models.listModels().getModels()).anySatisfy((model) -> assertThat(model.getId())
			.isEqualTo("kiln-builtin"));
	}

	@Test
	void errorsArriveAsProblemDetails() {
		SubmitJobRequest request = new SubmitJobRequest();
		request.setPrompt("fox");
		request.setWidth(100);
		request.setHeight(64);
		ApiException ex = catchThrowableOfType(ApiException.class, () -> this.jobs.submitJob(request, null));
		assertThat(ex.getCode()).isEqualTo(400);
		assertThat(ex.getResponseHeaders().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(ex.getResponseBody()).contains("https://kiln.dev/problems/invalid-request", "\"field\":\"width\"");
	}

}
