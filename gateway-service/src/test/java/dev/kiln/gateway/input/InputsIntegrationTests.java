package dev.kiln.gateway.input;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.JsonNode;

import dev.kiln.contract.ObjectKeys;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /v1/inputs} over real HTTP against the LocalS3 stand-in. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=intest", "kiln.storage.bucket=intest-images",
				"kiln.gateway.auth.bootstrap-keys[0].key=" + InputsIntegrationTests.ACME,
				"kiln.gateway.auth.bootstrap-keys[0].tenant=in-acme",
				"kiln.gateway.auth.bootstrap-keys[1].key=" + InputsIntegrationTests.OTHER,
				"kiln.gateway.auth.bootstrap-keys[1].tenant=in-other",
				"kiln.gateway.limits.requests-per-second=1000", "kiln.gateway.limits.burst=1000" })
class InputsIntegrationTests {

	static final String ACME = "intest-acme-key-0123456789";

	static final String OTHER = "intest-other-key-0123456789";

	private static final String BUCKET = "intest-images";

	/** 10 MiB, the limit of issue 14 item 6 and {@code spring.servlet.multipart.max-file-size}. */
	private static final String BOUNDARY = "kiln-test-boundary";

	private static final int TEN_MIB = 10 * 1024 * 1024;

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	private int port;

	@Autowired
	private S3Client s3;

	@Autowired
	private InputStore store;

	@BeforeAll
	static void createBucket(@Autowired S3Client s3) {
		s3.createBucket((b) -> b.bucket(BUCKET));
	}

	@Test
	void pngIsStoredAsPngUnderTheTenantsPrefix() throws IOException {
		BufferedImage sent = gradient(128, 96);
		ResponseEntity<JsonNode> response = upload(ACME, encode(sent, "png"), "image/png");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
		String id = response.getBody().get("id").asString();
		assertThat(response.getBody().get("width").asInt()).isEqualTo(128);
		assertThat(response.getBody().get("height").asInt()).isEqualTo(96);
		assertThat(response.getHeaders().getLocation()).hasPath("/v1/inputs/" + id);

		byte[] stored = this.s3.getObjectAsBytes((b) -> b.bucket(BUCKET).key(ObjectKeys.input("in-acme", id)))
			.asByteArray();
		BufferedImage read = ImageIO.read(new ByteArrayInputStream(stored));
		assertThat(read.getWidth()).isEqualTo(128);
		assertThat(read.getHeight()).isEqualTo(96);
		// PNG is lossless and both sides are 8-bit RGB: the pixels come back unchanged
		assertThat(read.getRGB(17, 33) & 0xFFFFFF).isEqualTo(sent.getRGB(17, 33) & 0xFFFFFF);
		assertThat(read.getRGB(127, 95) & 0xFFFFFF).isEqualTo(sent.getRGB(127, 95) & 0xFFFFFF);
	}

	@Test
	void jpegIsAccepted() throws IOException {
		ResponseEntity<JsonNode> response = upload(ACME, encode(gradient(64, 200), "jpeg"), "image/jpeg");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
		assertThat(response.getBody().get("width").asInt()).isEqualTo(64);
		assertThat(response.getBody().get("height").asInt()).isEqualTo(200);
	}

	@Test
	void webpIsAccepted() throws IOException {
		byte[] webp;
		try (InputStream in = new ClassPathResource("inputs/gradient-96x80.webp").getInputStream()) {
			webp = in.readAllBytes();
		}
		ResponseEntity<JsonNode> response = upload(ACME, webp, "image/webp");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
		assertThat(response.getBody().get("width").asInt()).isEqualTo(96);
		assertThat(response.getBody().get("height").asInt()).isEqualTo(80);
		String id = response.getBody().get("id").asString();
		BufferedImage read = ImageIO.read(new ByteArrayInputStream(this.s3
			.getObjectAsBytes((b) -> b.bucket(BUCKET).key(ObjectKeys.input("in-acme", id)))
			.asByteArray()));
		// the fixture is lossless: x=95 is full red, y=79 full green, blue 128 (see inputs/README.md)
		assertThat(read.getRGB(95, 79) & 0xFFFFFF).isEqualTo(0xFFFF80);
		assertThat(read.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0x000080);
	}

	@Test
	void anotherTenantsIdIsNotFound() throws IOException {
		String id = upload(ACME, encode(gradient(64, 64), "png"), "image/png").getBody().get("id").asString();
		assertThat(this.store.find("in-acme", id)).contains(new InputImage(id, 64, 64));
		assertThat(this.store.find("in-other", id)).isEmpty();
		assertThat(this.store.find("in-acme", "not-an-id")).isEmpty();
	}

	@Test
	void unsupportedTypeIs415AndNothingIsStored() throws IOException {
		int before = stored("in-other");
		ResponseEntity<JsonNode> response = upload(OTHER, encode(gradient(64, 64), "gif"), "image/gif");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(stored("in-other")).isEqualTo(before);
	}

	@Test
	void badImagesAre400AndNothingIsStored() throws IOException {
		int before = stored("in-other");
		List<byte[]> bad = List.of("not an image".getBytes(), encode(gradient(64, 64), "gif"),
				truncated(encode(gradient(256, 256), "png")), encode(gradient(32, 64), "png"),
				encode(gradient(2056, 64), "png"));
		for (byte[] bytes : bad) {
			ResponseEntity<JsonNode> response = upload(OTHER, bytes, "image/png");
			assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
			assertThat(response.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/invalid-image");
		}
		assertThat(stored("in-other")).isEqualTo(before);
	}

	@Test
	void moreThanTenMibIs413AndNothingIsStored() {
		int before = stored("in-other");
		byte[] big = new byte[TEN_MIB + 1];
		ResponseEntity<JsonNode> response = upload(OTHER, big, "image/png");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
		assertThat(response.getBody().get("type").asString()).isEqualTo("https://kiln.dev/problems/payload-too-large");
		assertThat(stored("in-other")).isEqualTo(before);
	}

	@Test
	void jobsStillRefuseMultipart() {
		ResponseEntity<JsonNode> response = rest().post()
			.uri("/v1/jobs")
			.header("Authorization", "Bearer " + ACME)
			.contentType(MediaType.parseMediaType("multipart/form-data; boundary=" + BOUNDARY))
			.body(parts(new byte[] { 1 }, "image/png"))
			.exchange((request, answer) -> ResponseEntity.status(answer.getStatusCode()).body(answer.bodyTo(JsonNode.class)));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
	}

	private int stored(String tenant) {
		List<S3Object> objects = this.s3.listObjectsV2((b) -> b.bucket(BUCKET).prefix("jobs/" + tenant + "/inputs/"))
			.contents();
		return objects.size();
	}

	private ResponseEntity<JsonNode> upload(String key, byte[] bytes, String type) {
		return rest().post()
			.uri("/v1/inputs")
			.header("Authorization", "Bearer " + key)
			.contentType(MediaType.parseMediaType("multipart/form-data; boundary=" + BOUNDARY))
			.body(parts(bytes, type))
			.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
				.headers(response.getHeaders())
				.body(response.bodyTo(JsonNode.class)));
	}

	/** A {@code multipart/form-data} body with one part {@code file}, sent with its length. */
	private static byte[] parts(byte[] bytes, String type) {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\n"
				+ "Content-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
		body.writeBytes(bytes);
		body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
		return body.toByteArray();
	}

	private RestClient rest() {
		return RestClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.requestFactory(new JdkClientHttpRequestFactory(HttpClient.newHttpClient()))
			.build();
	}

	static BufferedImage gradient(int width, int height) {
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < height; y++) {
			for (int x = 0; x < width; x++) {
				image.setRGB(x, y, ((x * 255 / Math.max(1, width - 1)) << 16) | ((y * 255 / Math.max(1, height - 1)) << 8) | 128);
			}
		}
		return image;
	}

	static byte[] encode(BufferedImage image, String format) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		assertThat(ImageIO.write(image, format, out)).as(format).isTrue();
		return out.toByteArray();
	}

	private static byte[] truncated(byte[] bytes) {
		return java.util.Arrays.copyOf(bytes, bytes.length / 2);
	}

}
