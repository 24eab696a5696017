package dev.kiln.gateway.badinput;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;
import dev.kiln.gateway.job.SubmitJobRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request bodies mean their OpenAPI types. The generator reads the committed OpenAPI document
 * ({@code static/openapi/kiln-api.json}) at test time and, for every property of {@code SubmitJobRequest} and
 * {@code CreateKeyRequest}, makes values of every other JSON type that a lenient reader would coerce: numbers as
 * strings, floats for integers, numbers and booleans for strings, numbers for {@code date-time} strings, enum values
 * in another case, empty strings for optional values (an empty array is an array: generated clients send one for an
 * unset list). Each request has one to three such fields and the other fields
 * valid; it must get 400 {@code malformed-request} problem+json naming one of the wrong fields, and nothing may be
 * recorded or enqueued (no job, no SQS message, no API key). Values of the right type written another valid way (an
 * integer for a {@code number}, RFC 3339 with a fraction, an offset or lower-case {@code t}/{@code z}) must be
 * accepted.
 *
 * <p>
 * The generator is a seeded {@link Random}, as in {@link RequestPropertiesIntegrationTests}:
 * {@code -Dkiln.badinput.seed=N} replays a run, {@code -Dkiln.badinput.tries=N} sets the number of requests; every
 * case's name carries the seed and its index. (jqwik is not used: from 1.10 its maintainers ask that it not be used
 * with AI coding agents, which write much of this repository.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwtype", "kiln.storage.bucket=gwtype-images",
				"kiln.gateway.auth.bootstrap-keys[0].key=" + SchemaTypesIntegrationTests.KEY,
				"kiln.gateway.auth.bootstrap-keys[0].tenant=" + SchemaTypesIntegrationTests.TENANT,
				"kiln.gateway.auth.bootstrap-keys[1].key=" + SchemaTypesIntegrationTests.ADMIN_KEY,
				"kiln.gateway.auth.bootstrap-keys[1].tenant=gw-type-admin",
				"kiln.gateway.auth.bootstrap-keys[1].admin=true",
				"kiln.gateway.limits.requests-per-second=100000", "kiln.gateway.limits.burst=100000",
				"kiln.gateway.limits.max-queued-jobs=10000" })
class SchemaTypesIntegrationTests {

	static final String KEY = "gwtype-key-0123456789abcdef";

	static final String ADMIN_KEY = "gwtype-admin-key-0123456789abcdef";

	static final String TENANT = "gw-type";

	private static final long SEED = Long.getLong("kiln.badinput.seed", 20261201L);

	private static final int TRIES = Integer.getInteger("kiln.badinput.tries", 150);

	private static final String SPEC = "/static/openapi/kiln-api.json";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	private int port;

	@Autowired
	private SqsAsyncClient sqs;

	@Autowired
	private StringRedisTemplate redis;

	@BeforeAll
	static void createQueues(@Autowired SqsAsyncClient sqs) {
		Gateway.createQueues(sqs, "gwtype");
	}

	/**
	 * One property of a request schema, as the OpenAPI document declares it.
	 *
	 * @param name the property name
	 * @param type the JSON Schema type ({@code string}, {@code integer}, {@code number}, {@code boolean},
	 * {@code object})
	 * @param format the format, or empty
	 * @param enumValues the allowed values of an enum, or empty
	 * @param required whether the schema lists it as required
	 */
	record Property(String name, String type, String format, List<String> enumValues, boolean required) {
	}

	private static List<String> enumOf(JsonNode property) {
		List<String> values = new ArrayList<>();
		property.path("enum").forEach((v) -> values.add(v.asString()));
		if (values.isEmpty() && property.has("$ref")) {
			String ref = property.get("$ref").asString();
			spec().get("components").get("schemas").get(ref.substring(ref.lastIndexOf('/') + 1)).path("enum")
				.forEach((v) -> values.add(v.asString()));
		}
		return values;
	}

	static Map<String, Property> schema(String name) {
		JsonNode schema = spec().get("components").get("schemas").get(name);
		assertThat(schema).as("schema %s in %s", name, SPEC).isNotNull();
		Set<String> required = new LinkedHashSet<>();
		schema.path("required").forEach((n) -> required.add(n.asString()));
		Map<String, Property> properties = new LinkedHashMap<>();
		for (Map.Entry<String, JsonNode> entry : schema.get("properties").properties()) {
			JsonNode p = entry.getValue();
			// an array's enum is its items' enum
			List<String> values = enumOf(p.has("items") ? p.get("items") : p);
			properties.put(entry.getKey(), new Property(entry.getKey(), p.get("type").asString(),
					p.path("format").asString(""), values, required.contains(entry.getKey())));
		}
		return properties;
	}

	private static JsonNode spec() {
		try (InputStream in = SchemaTypesIntegrationTests.class.getResourceAsStream(SPEC)) {
			assertThat(in).as(SPEC).isNotNull();
			return JSON.readTree(in);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * JSON texts of a type other than the property's, each of which a lenient reader would take. Explicit
	 * {@code null} is not among them for optional properties: it is read as "left out".
	 * @param property the property
	 * @return the wrong values
	 */
	static List<String> wrongValues(Property property) {
		List<String> wrong = new ArrayList<>(List.of("\"\""));
		if (!property.type().equals("array")) {
			// an empty array is an array: for webhookEvents it asks for no optional events
			wrong.add("[]");
		}
		if (!property.type().equals("object")) {
			wrong.add("{}");
		}
		if (!property.type().equals("string") || !property.format().isEmpty() || !property.enumValues().isEmpty()) {
			// a blank string is a string: wrong wherever the value is not free text
			wrong.add("\" \"");
		}
		if (property.required()) {
			wrong.add("null");
		}
		switch (property.type()) {
			case "string" -> {
				wrong.addAll(List.of("123", "0", "-1.5", "1e3", "true", "false", "[\"a\"]"));
				if (property.format().equals("date-time")) {
					wrong.addAll(List.of("1767225600", "1767225600.5", "\"1767225600\"", "\"2030-01-01\"",
							"\"2030-01-01T12:00:00\"", "\"2030-01-01T12:00Z\"", "\"2030-01-01 12:00:00Z\"",
							"\"12:00:00Z\"", "[2030,1,1,12,0]"));
				}
				for (String value : property.enumValues()) {
					wrong.add(quoted(value.toUpperCase(Locale.ROOT)));
					wrong.add(quoted(Character.toUpperCase(value.charAt(0)) + value.substring(1)));
					wrong.add(quoted(" " + value));
				}
				if (!property.enumValues().isEmpty()) {
					wrong.add("1");
				}
			}
			case "integer" -> wrong.addAll(List.of("\"64\"", "\"512\"", "\"1\"", "64.5", "20.5", "64.0", "1.0",
					"6.4e1", "true", "false", "\"true\"", "[64]"));
			case "number" -> wrong.addAll(List.of("\"7.5\"", "\"7\"", "\"NaN\"", "true", "false", "[7.5]"));
			case "boolean" -> wrong.addAll(List.of("\"true\"", "\"false\"", "1", "0", "1.0", "\"yes\"", "[true]"));
			case "object" -> wrong.addAll(List.of("\"{}\"", "1", "1.5", "true", "[{}]"));
			case "array" -> {
				wrong.addAll(List.of("1", "1.5", "true", "[1]", "[true]", "[[]]", "[{}]", "[null]", "[\"\"]"));
				for (String value : property.enumValues()) {
					wrong.add(quoted(value));
					wrong.add("\"" + value + "," + value + "\"");
					wrong.add("[" + quoted(value.toUpperCase(Locale.ROOT)) + "]");
				}
			}
			default -> throw new IllegalStateException("No wrong values for type " + property.type() + " of "
					+ property.name() + ": teach the generator this type");
		}
		return wrong;
	}

	/**
	 * A valid JSON text for a property, written one of the ways its type allows.
	 * @param property the property
	 * @param random the generator
	 * @return the value
	 */
	static String validValue(Property property, Random random) {
		Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
		return switch (property.name()) {
			case "prompt" -> oneOf(random, "\"a red fox\"", "\"lighthouse at dusk, 夜 🦊\"");
			case "negativePrompt" -> oneOf(random, "\"blurry\"", "\"x\"");
			case "model" -> "\"kiln-builtin\"";
			case "width", "height" -> oneOf(random, "64", "128", "256", "512");
			case "steps" -> oneOf(random, "1", "20", "150");
			case "guidanceScale" -> oneOf(random, "7", "7.5", "0", "30", "3e0");
			case "seed" -> oneOf(random, "0", "42", "9007199254740991");
			case "numImages" -> oneOf(random, "1", "8");
			case "lane" -> quoted(oneOf(random, property.enumValues().toArray(String[]::new)));
			case "deadline" -> quoted(oneOf(random, now.plus(2, ChronoUnit.HOURS).toString(),
					DateTimeFormatter.ISO_OFFSET_DATE_TIME
						.format(now.plus(1, ChronoUnit.DAYS).atOffset(ZoneOffset.ofHours(2))),
					now.plus(3, ChronoUnit.HOURS).plusMillis(123).toString(),
					now.plus(5, ChronoUnit.HOURS).toString().replace('T', 't').replace('Z', 'z')));
			case "callbackUrl" -> "\"https://93.184.215.14/hook\"";
			case "webhookEvents" -> "[" + String.join(",",
					property.enumValues().subList(0, 1 + random.nextInt(property.enumValues().size()))
						.stream()
						.map(SchemaTypesIntegrationTests::quoted)
						.toList()) + "]";
			case "metadata" -> oneOf(random, "{}", "{\"order\":\"A-17\",\"n\":[1,2.5,true,null]}");
			// no live worker announces kiln-builtin here: any of Kiln's samplers is accepted
			case "scheduler" -> oneOf(random, "\"ddim\"", "\"dpm++2m-karras\"");
			case "tenant" -> quoted("gw-type-new-" + random.nextInt(1_000_000));
			case "admin" -> oneOf(random, "true", "false");
			case "name" -> "\"ci pipeline\"";
			default -> throw new IllegalStateException("No valid value for " + property.name()
					+ ": teach the generator this property");
		};
	}

	/**
	 * A generated request: some fields of the wrong type, the others valid or left out.
	 *
	 * @param body the JSON text
	 * @param wrong the names of the fields with a wrong type
	 */
	record Request(String body, Set<String> wrong) {
	}

	/**
	 * Fields whose well-typed values are still refused here: they are accepted only for a model that a live worker
	 * announces img2img or clip skip for, and no worker runs in these tests (JobSubmissionsTests and
	 * ImageToImageIntegrationTests cover them). Their wrong types are generated like every other field's.
	 */
	static final Set<String> NEED_A_WORKER = Set.of("initImage", "strength", "clipSkip");

	static Request generate(Map<String, Property> schema, Random random, int wrongFields) {
		List<String> names = new ArrayList<>(schema.keySet());
		Set<String> wrong = new TreeSet<>();
		while (wrong.size() < Math.min(wrongFields, names.size())) {
			wrong.add(names.get(random.nextInt(names.size())));
		}
		Map<String, String> fields = new LinkedHashMap<>();
		for (Property property : schema.values()) {
			if (wrong.contains(property.name())) {
				List<String> values = wrongValues(property);
				fields.put(property.name(), values.get(random.nextInt(values.size())));
			}
			else if (property.required() || (random.nextBoolean() && !NEED_A_WORKER.contains(property.name()))) {
				fields.put(property.name(), validValue(property, random));
			}
		}
		if (fields.containsKey("webhookEvents") && !wrong.contains("webhookEvents") && !fields.containsKey("callbackUrl")
				&& schema.containsKey("callbackUrl")) {
			// events need a URL to go to
			fields.put("callbackUrl", validValue(schema.get("callbackUrl"), random));
		}
		List<String> order = new ArrayList<>(fields.keySet());
		Collections.shuffle(order, random);
		StringBuilder body = new StringBuilder("{");
		for (String name : order) {
			body.append((body.length() > 1) ? "," : "").append('"').append(name).append("\":").append(fields.get(name));
		}
		return new Request(body.append('}').toString(), wrong);
	}

	@Test
	void theSchemaDescribesEveryFieldOfTheSubmitRequest() {
		Set<String> fields = new TreeSet<>(
				Arrays.stream(SubmitJobRequest.class.getRecordComponents()).map(RecordComponent::getName).toList());
		assertThat(new TreeSet<>(schema("SubmitJobRequest").keySet())).isEqualTo(fields);
	}

	@TestFactory
	Stream<DynamicTest> everyFieldOfTheWrongTypeIsRefusedAndNothingIsEnqueued() {
		Map<String, Property> schema = schema("SubmitJobRequest");
		Random random = new Random(SEED);
		List<DynamicTest> tests = new ArrayList<>();
		// every wrong value of every field once, alone
		for (Property property : schema.values()) {
			for (String value : wrongValues(property)) {
				Map<String, String> fields = new LinkedHashMap<>();
				for (Property other : schema.values()) {
					if (other.required() && !other.name().equals(property.name())) {
						fields.put(other.name(), validValue(other, random));
					}
				}
				fields.put(property.name(), value);
				StringBuilder body = new StringBuilder("{");
				fields.forEach((name, json) -> body.append((body.length() > 1) ? "," : "")
					.append('"')
					.append(name)
					.append("\":")
					.append(json));
				Request request = new Request(body.append('}').toString(), Set.of(property.name()));
				tests.add(DynamicTest.dynamicTest(property.name() + " = " + value, () -> refusedSubmit(request)));
			}
		}
		// then random requests with one to three wrong fields among valid ones
		for (int i = 0; i < TRIES; i++) {
			Request request = generate(schema, random, 1 + random.nextInt(3));
			tests.add(DynamicTest.dynamicTest("seed " + SEED + " #" + i + " " + abbreviate(request.body()),
					() -> refusedSubmit(request)));
		}
		return tests.stream();
	}

	@TestFactory
	Stream<DynamicTest> validValuesWrittenAnyAllowedWayAreAccepted() {
		Map<String, Property> schema = schema("SubmitJobRequest");
		Random random = new Random(SEED + 1);
		List<DynamicTest> tests = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			Request request = generate(schema, random, 0);
			tests.add(DynamicTest.dynamicTest("seed " + (SEED + 1) + " #" + i + " " + abbreviate(request.body()),
					() -> {
						Gateway gateway = gateway();
						Gateway.Counts before = gateway.counts();
						Gateway.Answer answer = gateway.submit(request.body().getBytes(StandardCharsets.UTF_8),
								"application/json");
						assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
						assertThat(gateway.counts()).isEqualTo(before.plusOne());
					}));
		}
		return tests.stream();
	}

	@TestFactory
	Stream<DynamicTest> everyFieldOfAnApiKeyRequestOfTheWrongTypeIsRefused() {
		Map<String, Property> schema = schema("CreateKeyRequest");
		Random random = new Random(SEED + 2);
		List<DynamicTest> tests = new ArrayList<>();
		for (Property property : schema.values()) {
			for (String value : wrongValues(property)) {
				String body = "{" + ((property.name().equals("tenant")) ? ""
						: "\"tenant\":" + validValue(schema.get("tenant"), random) + ",") + "\"" + property.name()
						+ "\":" + value + "}";
				tests.add(DynamicTest.dynamicTest(property.name() + " = " + value, () -> {
					int keys = apiKeys();
					Gateway.Answer answer = gateway().post("/admin/api-keys", ADMIN_KEY, body);
					assertRefused(answer, Set.of(property.name()));
					assertThat(apiKeys()).isEqualTo(keys);
				}));
			}
		}
		tests.add(DynamicTest.dynamicTest("a well-typed request is accepted", () -> {
			int keys = apiKeys();
			Gateway.Answer answer = gateway().post("/admin/api-keys", ADMIN_KEY,
					"{\"tenant\":\"gw-type-ok\",\"admin\":false,\"name\":\"ci\"}");
			assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
			assertThat(apiKeys()).isEqualTo(keys + 1);
		}));
		return tests.stream();
	}

	private void refusedSubmit(Request request) {
		Gateway gateway = gateway();
		Gateway.Counts before = gateway.counts();
		Gateway.Answer answer = gateway.submit(request.body().getBytes(StandardCharsets.UTF_8),
				"application/json");
		assertRefused(answer, request.wrong());
		assertThat(gateway.counts()).as("nothing recorded or enqueued for %s", request.body()).isEqualTo(before);
	}

	private static void assertRefused(Gateway.Answer answer, Set<String> wrong) {
		assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
		assertThat(answer.contentType()).as(answer.toString()).startsWith("application/problem+json");
		JsonNode problem = JSON.readTree(answer.body());
		assertThat(problem.get("status").asInt()).isEqualTo(400);
		assertThat(problem.get("type").asString()).as(answer.toString())
			.isIn("https://kiln.dev/problems/malformed-request", "https://kiln.dev/problems/invalid-request");
		// a field is named by its path: "webhookEvents[0]" names webhookEvents
		List<String> fields = problem.path("errors")
			.findValuesAsString("field")
			.stream()
			.map((field) -> field.replaceFirst("[\\[.].*$", ""))
			.toList();
		assertThat(fields).as(answer.toString()).isNotEmpty();
		assertThat(wrong).as(answer.toString()).containsAll(fields);
	}

	private int apiKeys() {
		Set<String> keys = this.redis.keys(RedisKeys.apiKey("*"));
		return (keys != null) ? keys.size() : 0;
	}

	private static String quoted(String text) {
		return "\"" + text + "\"";
	}

	@SafeVarargs
	private static <T> T oneOf(Random random, T... values) {
		return values[random.nextInt(values.length)];
	}

	private static String abbreviate(String body) {
		return (body.length() > 160) ? body.substring(0, 157) + "..." : body;
	}

	private Gateway gateway() {
		return new Gateway("http://localhost:" + this.port, KEY, TENANT, "gwtype", this.sqs, this.redis);
	}

}
