package dev.kiln.gateway.badinput;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
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

import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based tests of the submit rules: random requests, each field left out, valid or broken in a known way,
 * sent over real HTTP. The oracle is the documented rules (gateway README, "Request rules"): a request is accepted
 * (202, enqueued once) exactly when every field is valid; otherwise it gets 400 {@code application/problem+json}
 * naming exactly the broken fields of the first check that fails (JSON reading, then Bean Validation, then the
 * model catalog and network rules), and nothing is recorded or enqueued.
 *
 * <p>
 * jqwik is not used: jqwik 1.10 is built on JUnit Platform 1.x and Boot 4.1 manages Platform 6. The generator is a
 * seeded {@link Random}; set {@code -Dkiln.badinput.seed=N} to replay a run, {@code -Dkiln.badinput.tries=N} for more
 * cases. Every case's name carries the seed and its index.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwprop", "kiln.storage.bucket=gwprop-images",
				"kiln.gateway.auth.bootstrap-keys[0].key=" + RequestPropertiesIntegrationTests.KEY,
				"kiln.gateway.auth.bootstrap-keys[0].tenant=" + RequestPropertiesIntegrationTests.TENANT,
				"kiln.gateway.limits.requests-per-second=100000", "kiln.gateway.limits.burst=100000",
				"kiln.gateway.limits.max-queued-jobs=10000" })
class RequestPropertiesIntegrationTests {

	static final String KEY = "gwprop-key-0123456789abcdef";

	static final String TENANT = "gw-prop";

	private static final long SEED = Long.getLong("kiln.badinput.seed", 20261123L);

	private static final int TRIES = Integer.getInteger("kiln.badinput.tries", 200);

	/** Which check a broken value trips first. */
	enum Tier {

		/** JSON cannot be bound to the request (wrong type, unknown enum). */
		READ,

		/** A Bean Validation constraint on the request record. */
		BEAN,

		/** The model catalog, the deadline horizon, the callback policy or the metadata size. */
		SERVICE

	}

	/**
	 * One field's generated value.
	 *
	 * @param json the JSON text of the value, or {@code null} to leave the field out
	 * @param broken the check it breaks, or {@code null} when valid
	 * @param reportedAs the field name the problem names
	 */
	record Value(@Nullable String json, @Nullable Tier broken, @Nullable String reportedAs) {

		static Value ok(String json) {
			return new Value(json, null, null);
		}

		static Value absent() {
			return new Value(null, null, null);
		}

	}

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

	@Autowired
	private JsonMapper json;

	@BeforeAll
	static void createQueues(@Autowired SqsAsyncClient sqs) {
		Gateway.createQueues(sqs, "gwprop");
	}

	@TestFactory
	Stream<DynamicTest> requestsAreAcceptedExactlyWhenEveryRuleHolds() {
		Random random = new Random(SEED);
		List<DynamicTest> tests = new ArrayList<>();
		for (int i = 0; i < TRIES; i++) {
			Map<String, Value> fields = generate(random);
			String body = body(fields);
			tests.add(DynamicTest.dynamicTest("seed " + SEED + " #" + i + " " + abbreviate(body),
					() -> check(fields, body)));
		}
		return tests.stream();
	}

	private void check(Map<String, Value> fields, String body) {
		Gateway gateway = gateway();
		Gateway.Counts before = gateway.counts();
		Gateway.Answer answer = gateway.submit(body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
				"application/json");
		@Nullable Tier first = null;
		for (Tier tier : Tier.values()) {
			if (fields.values().stream().anyMatch((value) -> value.broken() == tier)) {
				first = tier;
				break;
			}
		}
		if (first == null) {
			assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
			assertThat(gateway.counts()).isEqualTo(before.plusOne());
			return;
		}
		assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
		assertThat(answer.contentType()).startsWith("application/problem+json");
		JsonNode problem = this.json.readTree(answer.body());
		Tier tier = first;
		Set<String> expected = new TreeSet<>();
		fields.values().stream().filter((value) -> value.broken() == tier).forEach((v) -> expected.add(v.reportedAs()));
		Set<String> reported = new TreeSet<>(
				problem.has("errors") ? problem.get("errors").findValuesAsString("field") : List.of());
		if (tier == Tier.READ) {
			// Jackson stops at the first value it cannot read.
			assertThat(problem.get("type").asString()).isEqualTo("https://kiln.dev/problems/malformed-request");
			assertThat(reported).hasSize(1);
			assertThat(expected).containsAll(reported);
		}
		else {
			assertThat(problem.get("type").asString()).isEqualTo("https://kiln.dev/problems/invalid-request");
			assertThat(reported).as(answer.toString()).isEqualTo(expected);
		}
		assertThat(gateway.counts()).isEqualTo(before);
	}

	/** A request with each field absent, valid or broken; about a third of all requests are entirely valid. */
	static Map<String, Value> generate(Random random) {
		boolean allValid = random.nextInt(3) == 0;
		Map<String, Value> fields = new LinkedHashMap<>();
		int width = pick(random, 64, 128, 256, 512, 1024, 2048);
		int height = pick(random, 64, 128, 256, 512, 1024, 2048);
		boolean sizeBroken = false;
		fields.put("prompt", allValid || random.nextInt(4) > 0 ? Value.ok(quoted(words(random)))
				: oneOf(random, new Value(null, Tier.BEAN, "prompt"), new Value("\"\"", Tier.BEAN, "prompt"),
						new Value("\"   \"", Tier.BEAN, "prompt"),
						new Value(quoted("x".repeat(2001)), Tier.BEAN, "prompt"),
						new Value("\"a\\u0007bell\"", Tier.BEAN, "prompt"),
						new Value("\"two\\nlines\"", Tier.BEAN, "prompt"), new Value("{}", Tier.READ, "prompt"),
						new Value("[\"a\"]", Tier.READ, "prompt")));
		fields.put("negativePrompt", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok("\"blurry\""), Value.ok("null"))
				: oneOf(random, new Value(quoted("y".repeat(2001)), Tier.BEAN, "negativePrompt"),
						new Value("\"tab\\there\"", Tier.BEAN, "negativePrompt")));
		if (allValid || random.nextInt(5) > 0) {
			fields.put("width", Value.ok(Integer.toString(width)));
		}
		else {
			sizeBroken = true;
			fields.put("width", oneOf(random, new Value(null, Tier.BEAN, "width"), new Value("63", Tier.BEAN, "width"),
					new Value("100", Tier.BEAN, "width"), new Value("2056", Tier.BEAN, "width"),
					new Value("-8", Tier.BEAN, "width"), new Value("0", Tier.BEAN, "width"),
					new Value("\"wide\"", Tier.READ, "width"), new Value("[512]", Tier.READ, "width")));
		}
		if (allValid || random.nextInt(5) > 0) {
			fields.put("height", Value.ok(Integer.toString(height)));
		}
		else {
			sizeBroken = true;
			fields.put("height", oneOf(random, new Value(null, Tier.BEAN, "height"),
					new Value("72000", Tier.BEAN, "height"), new Value("12", Tier.BEAN, "height"),
					new Value("{\"h\":1}", Tier.READ, "height")));
		}
		if (allValid && (long) width * height > 1_048_576L) {
			fields.put("height", Value.ok(Integer.toString(1_048_576 / width)));
			height = 1_048_576 / width;
		}
		if (!sizeBroken && (long) width * height > 1_048_576L) {
			// Both valid on their own, too many pixels for kiln-builtin together: the catalog names "width".
			fields.put("pixels", new Value(null, Tier.SERVICE, "width"));
		}
		fields.put("steps", allValid || random.nextInt(5) > 0
				? oneOf(random, Value.absent(), Value.ok("1"), Value.ok("20"), Value.ok("150"))
				: oneOf(random, new Value("0", Tier.BEAN, "steps"), new Value("151", Tier.BEAN, "steps"),
						new Value("-3", Tier.BEAN, "steps"), new Value("\"many\"", Tier.READ, "steps")));
		fields.put("guidanceScale", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok("0"), Value.ok("7.5"), Value.ok("30"))
				: oneOf(random, new Value("-0.5", Tier.BEAN, "guidanceScale"),
						new Value("30.01", Tier.BEAN, "guidanceScale"),
						new Value("1e300", Tier.BEAN, "guidanceScale")));
		fields.put("seed", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok("0"), Value.ok("42"), Value.ok("9007199254740991"))
				: oneOf(random, new Value("-1", Tier.BEAN, "seed"), new Value("9007199254740992", Tier.BEAN, "seed")));
		fields.put("numImages", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok("1"), Value.ok("4"), Value.ok("8"))
				: oneOf(random, new Value("0", Tier.BEAN, "numImages"), new Value("9", Tier.BEAN, "numImages")));
		fields.put("lane", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok("\"interactive\""), Value.ok("\"standard\""),
						Value.ok("\"batch\""))
				: oneOf(random, new Value("\"urgent\"", Tier.READ, "lane"), new Value("7", Tier.READ, "lane")));
		fields.put("model", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok("\"kiln-builtin\""))
				: oneOf(random, new Value("\"Bad Model!\"", Tier.BEAN, "model"),
						new Value("\"no-such-model\"", Tier.SERVICE, "model")));
		if (fields.get("model").broken() == Tier.SERVICE) {
			// An unknown model has no pixel limit to check.
			fields.remove("pixels");
		}
		Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
		fields.put("deadline", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok(quoted(now.plus(2, ChronoUnit.HOURS).toString())),
						Value.ok(quoted(now.plus(6, ChronoUnit.DAYS).toString())))
				: oneOf(random, new Value("\"2020-01-01T00:00:00Z\"", Tier.BEAN, "deadline"),
						new Value(quoted(now.plus(8, ChronoUnit.DAYS).toString()), Tier.SERVICE, "deadline"),
						new Value("\"tomorrow\"", Tier.READ, "deadline")));
		fields.put("callbackUrl", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok("\"https://93.184.215.14/hook\""))
				: oneOf(random, new Value("\"http://93.184.215.14/hook\"", Tier.SERVICE, "callbackUrl"),
						new Value("\"https://127.0.0.1/hook\"", Tier.SERVICE, "callbackUrl"),
						new Value("\"https://10.1.2.3/hook\"", Tier.SERVICE, "callbackUrl"),
						new Value("\"https://93.184.215.14:8443/hook\"", Tier.SERVICE, "callbackUrl"),
						new Value(quoted("https://93.184.215.14/" + "p".repeat(2100)), Tier.BEAN, "callbackUrl")));
		fields.put("metadata", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok("{\"order\":\"A-17\",\"n\":[1,2]}"), Value.ok("{}"))
				: oneOf(random, new Value("{\"blob\":\"" + "z".repeat(4200) + "\"}", Tier.SERVICE, "metadata"),
						new Value("[1,2]", Tier.READ, "metadata"), new Value("\"text\"", Tier.READ, "metadata")));
		// no worker announces kiln-builtin here: its samplers are unknown, so any of Kiln's is accepted
		fields.put("scheduler", allValid || random.nextInt(6) > 0
				? oneOf(random, Value.absent(), Value.ok("\"ddim\""), Value.ok("\"dpm++2m-karras\""), Value.ok("null"))
				: oneOf(random, new Value("\"Euler A\"", Tier.BEAN, "scheduler"),
						new Value(quoted("e".repeat(41)), Tier.BEAN, "scheduler"),
						new Value("\"lms\"", Tier.SERVICE, "scheduler"), new Value("[\"ddim\"]", Tier.READ, "scheduler")));
		if (fields.get("model").broken() == Tier.SERVICE && fields.get("scheduler").broken() == Tier.SERVICE) {
			// An unknown model has no samplers to check against.
			fields.put("scheduler", Value.absent());
		}
		return fields;
	}

	static String body(Map<String, Value> fields) {
		StringBuilder body = new StringBuilder("{");
		fields.forEach((name, value) -> {
			if (value.json() != null) {
				body.append((body.length() > 1) ? "," : "").append('"').append(name).append("\":").append(value.json());
			}
		});
		return body.append('}').toString();
	}

	private static String words(Random random) {
		String[] words = { "a", "red", "fox", "lighthouse", "at", "dusk", "oil", "painting", "über", "夜", "🦊" };
		StringBuilder prompt = new StringBuilder();
		int n = 1 + random.nextInt(8);
		for (int i = 0; i < n; i++) {
			prompt.append((i > 0) ? " " : "").append(words[random.nextInt(words.length)]);
		}
		return prompt.toString();
	}

	private static String quoted(String text) {
		return "\"" + text + "\"";
	}

	private static int pick(Random random, int... values) {
		return values[random.nextInt(values.length)];
	}

	@SafeVarargs
	private static <T> T oneOf(Random random, T... values) {
		return values[random.nextInt(values.length)];
	}

	private static String abbreviate(String body) {
		return (body.length() > 160) ? body.substring(0, 157) + "..." : body;
	}

	private Gateway gateway() {
		return new Gateway("http://localhost:" + this.port, KEY, TENANT, "gwprop", this.sqs, this.redis);
	}

}
