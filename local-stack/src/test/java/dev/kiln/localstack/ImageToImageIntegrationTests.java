package dev.kiln.localstack;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

import dev.kiln.contract.ObjectKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * img2img end to end through the stack {@code ./run-local --model-dir DIR} starts: the exported stand-in model (the
 * built-in one renders from noise only), an init image uploaded with {@code POST /v1/inputs}, a job naming it,
 * rendered by the worker from the image it downloads, and the output read back from its presigned URL. The gateway
 * refuses an input the tenant does not own and a strength out of range before anything is enqueued.
 */
class ImageToImageIntegrationTests {

	private static final String MODEL = "standin-sd1";

	private static final String BOUNDARY = "kiln-img2img-boundary";

	private static Path work;

	private static LocalStack stack;

	private static RestClient gateway;

	@BeforeAll
	static void start(@TempDir Path directory) throws IOException {
		work = directory;
		ExportedModelIntegrationTests.copyExportedModel(work.resolve(MODEL));
		List<String> args = new ArrayList<>(List.of("--gateway-port", "0", "--queue-service-port", "0",
				"--worker-port", "0", "--advisor-port", "0", "--advisor-grpc-port", "0", "--sqs-port", "0",
				"--s3-port", "0", "--redis-port", "0"));
		args.addAll(List.of("--work-dir", work.resolve("kiln-local").toString(), "--model-dir",
				work.resolve(MODEL).toString()));
		stack = LocalStack.start(LocalStackOptions.parse(args.toArray(String[]::new)));
		gateway = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.baseUrl(stack.gatewayUrl())
			.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + stack.apiKey())
			.build();
		// the gateway takes an init image only for a model a live worker announces imageToImage for
		await().atMost(Duration.ofSeconds(30)).until(() -> model(MODEL), (model) -> model != null);
	}

	@AfterAll
	static void stop() {
		if (stack != null) {
			stack.close();
		}
	}

	@Test
	void theWorkerAnnouncesImageToImageForTheExportedModelOnly() {
		assertThat(model(MODEL).get("imageToImage").asBoolean()).isTrue();
		assertThat(model(ExportedModel.BUILTIN).get("imageToImage").asBoolean()).isFalse();
	}

	@Test
	void anUploadedImageIsRenderedFromAndTheOutputDownloaded() throws IOException {
		JsonNode input = upload(png(gradient(128, 64)));
		assertThat(input.get("width").asInt()).isEqualTo(128);
		assertThat(input.get("height").asInt()).isEqualTo(64);

		JsonNode accepted = submit("""
				{"prompt": "a lighthouse", "model": "standin-sd1", "width": 128, "height": 64, "steps": 4, "seed": 3,
				 "initImage": "%s", "strength": 0.5}""".formatted(input.get("id").asString()), 202);
		JsonNode done = awaitDone(accepted.get("id").asString());

		assertThat(done.get("state").asString()).as("job %s", done).isEqualTo("SUCCEEDED");
		BufferedImage image = ImageIO.read(new ByteArrayInputStream(download(done)));
		assertThat(image).isNotNull();
		assertThat(image.getWidth()).isEqualTo(128);
		assertThat(image.getHeight()).isEqualTo(64);
	}

	@Test
	void anInputOfAnotherTenantOrAStrengthOutOfRangeIsRefusedWithNothingEnqueued() throws IOException {
		// another tenant's upload, stored where the gateway would have put it
		String foreign = "01936f5a-0000-7000-8000-000000000001";
		try (S3Client s3 = s3()) {
			s3.putObject((request) -> request.bucket("kiln-images").key(ObjectKeys.input("someone-else", foreign)),
					RequestBody.fromBytes(png(gradient(128, 64))));
		}
		String own = upload(png(gradient(128, 64))).get("id").asString();
		int before = jobs();

		JsonNode foreignProblem = submit("""
				{"prompt": "a lighthouse", "model": "standin-sd1", "width": 128, "height": 64,
				 "initImage": "%s", "strength": 0.5}""".formatted(foreign), 400);
		JsonNode strengthProblem = submit("""
				{"prompt": "a lighthouse", "model": "standin-sd1", "width": 128, "height": 64,
				 "initImage": "%s", "strength": 1.5}""".formatted(own), 400);

		assertThat(foreignProblem.get("errors").get(0).get("field").asString()).isEqualTo("initImage");
		assertThat(foreignProblem.get("errors").get(0).get("message").asString())
			.contains("is not an input of this tenant");
		assertThat(strengthProblem.get("errors").get(0).get("field").asString()).isEqualTo("strength");
		assertThat(jobs()).as("jobs of the tenant after the refusals").isEqualTo(before);
	}

	private static int jobs() {
		return gateway.get().uri("/v1/jobs?limit=100").retrieve().body(JsonNode.class).get("jobs").size();
	}

	private static JsonNode upload(byte[] png) {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"init.png\""
				+ "\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
		body.writeBytes(png);
		body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
		return gateway.post()
			.uri("/v1/inputs")
			.contentType(MediaType.parseMediaType("multipart/form-data; boundary=" + BOUNDARY))
			.body(body.toByteArray())
			.exchange((request, response) -> {
				assertThat(response.getStatusCode().value()).as("POST /v1/inputs").isEqualTo(201);
				return response.bodyTo(JsonNode.class);
			});
	}

	private static JsonNode submit(String body, int status) {
		return gateway.post()
			.uri("/v1/jobs")
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange((request, response) -> {
				JsonNode answer = response.bodyTo(JsonNode.class);
				assertThat(response.getStatusCode().value()).as("POST /v1/jobs: %s", answer).isEqualTo(status);
				return answer;
			});
	}

	private static JsonNode awaitDone(String id) {
		JsonNode[] job = new JsonNode[1];
		await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
			job[0] = gateway.get().uri("/v1/jobs/{id}", id).retrieve().body(JsonNode.class);
			String state = job[0].get("state").asString();
			return state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED");
		});
		return job[0];
	}

	private static byte[] download(JsonNode job) {
		// a presigned URL carries its own signature: no API key
		return RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.build()
			.get()
			.uri(URI.create(job.get("images").get(0).get("url").asString()))
			.retrieve()
			.body(byte[].class);
	}

	private static JsonNode model(String id) {
		for (JsonNode model : gateway.get().uri("/v1/models").retrieve().body(JsonNode.class).get("models")) {
			if (model.get("id").asString().equals(id)) {
				return model;
			}
		}
		return null;
	}

	private static S3Client s3() {
		return S3Client.builder()
			.endpointOverride(URI.create(stack.backendProperties().get("spring.cloud.aws.s3.endpoint")))
			.forcePathStyle(true)
			.region(Region.US_EAST_1)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "k")))
			.build();
	}

	private static BufferedImage gradient(int width, int height) {
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < height; y++) {
			for (int x = 0; x < width; x++) {
				image.setRGB(x, y, ((x * 255 / (width - 1)) << 16) | ((y * 255 / (height - 1)) << 8) | 128);
			}
		}
		return image;
	}

	private static byte[] png(BufferedImage image) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ImageIO.write(image, "png", out);
		return out.toByteArray();
	}

}
