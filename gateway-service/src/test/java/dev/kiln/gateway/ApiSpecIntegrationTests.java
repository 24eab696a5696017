package dev.kiln.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ClassPathResource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed API description ({@code src/main/resources/static/openapi/kiln-api.json}, also the input of the
 * generated test client) is exactly what the running gateway serves, and it is valid OpenAPI by an independent
 * parser. Each run exports the live description to {@code target/openapi/kiln-api.json}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwspec", "kiln.storage.bucket=gwspec-images" })
class ApiSpecIntegrationTests {

	static final String COMMITTED = "src/main/resources/static/openapi/kiln-api.json";

	static final Path EXPORTED = Path.of("target/openapi/kiln-api.json");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	private int port;

	@Autowired
	private JsonMapper json;

	@Test
	void committedSpecIsWhatTheGatewayServes() throws IOException {
		String live = TestClients.rest("http://localhost:" + this.port)
			.get()
			.uri("/v3/api-docs")
			.retrieve()
			.body(String.class);
		Files.createDirectories(EXPORTED.getParent());
		Files.writeString(EXPORTED, live + "\n");
		JsonNode committed;
		try (InputStream in = new ClassPathResource("static/openapi/kiln-api.json").getInputStream()) {
			committed = this.json.readTree(in);
		}
		assertThat(this.json.readTree(live))
			.as("The API changed but %s did not. Review the difference, then regenerate it: "
					+ "./mvnw -o -pl gateway-service verify -Dit.test=ApiSpecIntegrationTests; cp gateway-service/%s "
					+ "gateway-service/%s", COMMITTED, EXPORTED, COMMITTED)
			.isEqualTo(committed);
	}

	@Test
	void committedSpecIsValidAndDocumentsEveryOperation() throws IOException {
		String spec;
		try (InputStream in = new ClassPathResource("static/openapi/kiln-api.json").getInputStream()) {
			spec = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		ParseOptions options = new ParseOptions();
		options.setResolve(true);
		SwaggerParseResult result = new OpenAPIV3Parser().readContents(spec, null, options);
		assertThat(result.getMessages()).isEmpty();
		OpenAPI api = result.getOpenAPI();
		assertThat(api.getPaths()).containsKeys("/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/events",
				"/v1/jobs/{id}/images/{n}", "/v1/models", "/admin/api-keys");
		assertThat(api.getComponents().getSecuritySchemes()).containsKeys("bearer", "apiKey");
		for (Map.Entry<String, PathItem> path : api.getPaths().entrySet()) {
			for (Map.Entry<PathItem.HttpMethod, Operation> entry : path.getValue().readOperationsMap().entrySet()) {
				Operation operation = entry.getValue();
				String name = entry.getKey() + " " + path.getKey();
				assertThat(operation.getOperationId()).as(name).isNotBlank();
				assertThat(operation.getSummary()).as(name).isNotBlank();
				assertThat(operation.getDescription()).as(name).isNotBlank();
				assertThat(operation.getResponses()).as(name).containsKey("401");
				operation.getResponses()
					.entrySet()
					.stream()
					.filter((response) -> response.getKey().startsWith("4") || response.getKey().startsWith("5"))
					.forEach((response) -> assertThat(response.getValue().getContent())
						.as(name + " " + response.getKey())
						.containsKey("application/problem+json"));
			}
		}
		assertThat(api.getComponents().getSchemas().get("SubmitJobRequest").getProperties()).containsKeys("prompt",
				"negativePrompt", "model", "width", "height", "steps", "guidanceScale", "seed", "numImages", "lane",
				"deadline", "callbackUrl", "webhookEvents", "metadata");
	}

}
