package dev.kiln.gateway.badinput;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
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

import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A corpus of malformed bodies: wrong types, huge numbers, deep nesting, invalid UTF-8, wrong content types, oversized
 * and empty bodies, arrays instead of objects, duplicate keys, NaN and Infinity, control characters. Every one must
 * get a 4xx {@code application/problem+json} with a Kiln problem type, and nothing may be recorded or enqueued.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwbad", "kiln.storage.bucket=gwbad-images",
				"kiln.gateway.auth.bootstrap-keys[0].key=" + MalformedBodiesIntegrationTests.KEY,
				"kiln.gateway.auth.bootstrap-keys[0].tenant=" + MalformedBodiesIntegrationTests.TENANT,
				"kiln.gateway.limits.requests-per-second=100000", "kiln.gateway.limits.burst=100000",
				"kiln.gateway.limits.max-queued-jobs=10000" })
class MalformedBodiesIntegrationTests {

	static final String KEY = "gwbad-key-0123456789abcdef";

	static final String TENANT = "gw-bad";

	private static final String JSON = "application/json";

	private static final String VALID = "\"prompt\":\"a red fox\",\"width\":64,\"height\":64";

	/**
	 * One malformed request.
	 *
	 * @param name what is wrong with it
	 * @param body the bytes sent
	 * @param contentType the {@code Content-Type}, or {@code null} for none
	 * @param chunked sent without {@code Content-Length}
	 */
	record Case(String name, byte[] body, @Nullable String contentType, boolean chunked) {

		static Case json(String name, String body) {
			return new Case(name, body.getBytes(StandardCharsets.UTF_8), JSON, false);
		}

		static Case bytes(String name, byte[]... parts) {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			for (byte[] part : parts) {
				out.writeBytes(part);
			}
			return new Case(name, out.toByteArray(), JSON, false);
		}

		static Case typed(String name, String body, @Nullable String contentType) {
			return new Case(name, body.getBytes(StandardCharsets.UTF_8), contentType, false);
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
		Gateway.createQueues(sqs, "gwbad");
	}

	static List<Case> corpus() {
		List<Case> corpus = new ArrayList<>();
		// Not JSON, or not an object
		corpus.add(Case.json("empty body", ""));
		corpus.add(Case.json("whitespace only", " \n\t "));
		corpus.add(Case.json("null", "null"));
		corpus.add(Case.json("number", "42"));
		corpus.add(Case.json("string", "\"a red fox\""));
		corpus.add(Case.json("true", "true"));
		corpus.add(Case.json("empty array", "[]"));
		corpus.add(Case.json("array holding a valid request", "[{" + VALID + "}]"));
		corpus.add(Case.json("empty object", "{}"));
		corpus.add(Case.json("truncated", "{" + VALID.substring(0, 20)));
		corpus.add(Case.json("unclosed object", "{" + VALID));
		corpus.add(Case.json("trailing comma", "{" + VALID + ",}"));
		corpus.add(Case.json("single quotes", "{'prompt':'fox','width':64,'height':64}"));
		corpus.add(Case.json("unquoted keys", "{prompt:\"fox\",width:64,height:64}"));
		corpus.add(Case.json("comment", "{/* hi */" + VALID + "}"));
		corpus.add(Case.json("two objects", "{" + VALID + "}{" + VALID + "}"));
		corpus.add(Case.json("trailing garbage", "{" + VALID + "} xyz"));
		corpus.add(Case.json("unknown field", "{" + VALID + ",\"priority\":1}"));
		corpus.add(Case.json("byte order mark then garbage", "\uFEFF{{"));
		// Wrong types
		corpus.add(Case.json("prompt is an object", "{\"prompt\":{\"text\":\"fox\"},\"width\":64,\"height\":64}"));
		corpus.add(Case.json("prompt is an array", "{\"prompt\":[\"fox\"],\"width\":64,\"height\":64}"));
		corpus.add(Case.json("width is a word", "{\"prompt\":\"fox\",\"width\":\"wide\",\"height\":64}"));
		corpus.add(Case.json("width is true", "{\"prompt\":\"fox\",\"width\":true,\"height\":64}"));
		corpus.add(Case.json("width is an array", "{\"prompt\":\"fox\",\"width\":[64],\"height\":64}"));
		corpus.add(Case.json("width is an object", "{\"prompt\":\"fox\",\"width\":{\"px\":64},\"height\":64}"));
		corpus.add(Case.json("width is null", "{\"prompt\":\"fox\",\"width\":null,\"height\":64}"));
		corpus.add(Case.json("seed is a word", "{" + VALID + ",\"seed\":\"lucky\"}"));
		corpus.add(Case.json("lane is a number", "{" + VALID + ",\"lane\":2}"));
		corpus.add(Case.json("lane is unknown", "{" + VALID + ",\"lane\":\"urgent\"}"));
		corpus.add(Case.json("lane is an object", "{" + VALID + ",\"lane\":{}}"));
		corpus.add(Case.json("metadata is an array", "{" + VALID + ",\"metadata\":[1,2]}"));
		corpus.add(Case.json("metadata is a string", "{" + VALID + ",\"metadata\":\"order A-17\"}"));
		corpus.add(Case.json("deadline is a number", "{" + VALID + ",\"deadline\":[2030,1,1]}"));
		corpus.add(Case.json("deadline is not a time", "{" + VALID + ",\"deadline\":\"next friday\"}"));
		corpus.add(Case.json("callbackUrl is an object", "{" + VALID + ",\"callbackUrl\":{\"url\":\"x\"}}"));
		// Scalars of another type: no coercion (issue #12)
		corpus.add(Case.json("width is a numeric string", "{\"prompt\":\"fox\",\"width\":\"512\",\"height\":64}"));
		corpus.add(Case.json("height is a float", "{\"prompt\":\"fox\",\"width\":64,\"height\":64.5}"));
		corpus.add(Case.json("steps is 20.5", "{" + VALID + ",\"steps\":20.5}"));
		corpus.add(Case.json("steps is 20.0", "{" + VALID + ",\"steps\":20.0}"));
		corpus.add(Case.json("steps in exponent form", "{" + VALID + ",\"steps\":2e1}"));
		corpus.add(Case.json("seed is a numeric string", "{" + VALID + ",\"seed\":\"42\"}"));
		corpus.add(Case.json("numImages is true", "{" + VALID + ",\"numImages\":true}"));
		corpus.add(Case.json("guidanceScale is a numeric string", "{" + VALID + ",\"guidanceScale\":\"7.5\"}"));
		corpus.add(Case.json("guidanceScale is false", "{" + VALID + ",\"guidanceScale\":false}"));
		corpus.add(Case.json("prompt is a number", "{\"prompt\":123,\"width\":64,\"height\":64}"));
		corpus.add(Case.json("prompt is true", "{\"prompt\":true,\"width\":64,\"height\":64}"));
		corpus.add(Case.json("negativePrompt is a float", "{" + VALID + ",\"negativePrompt\":1.5}"));
		corpus.add(Case.json("model is a number", "{" + VALID + ",\"model\":7}"));
		corpus.add(Case.json("callbackUrl is false", "{" + VALID + ",\"callbackUrl\":false}"));
		corpus.add(Case.json("deadline is epoch seconds", "{" + VALID + ",\"deadline\":1767225600}"));
		corpus.add(Case.json("deadline is epoch seconds with a fraction", "{" + VALID + ",\"deadline\":1767225600.5}"));
		corpus.add(Case.json("deadline is epoch seconds as a string", "{" + VALID + ",\"deadline\":\"1767225600\"}"));
		corpus.add(Case.json("deadline without an offset", "{" + VALID + ",\"deadline\":\"2030-01-01T12:00:00\"}"));
		corpus.add(Case.json("deadline is a date only", "{" + VALID + ",\"deadline\":\"2030-01-01\"}"));
		corpus.add(Case.json("deadline without seconds", "{" + VALID + ",\"deadline\":\"2030-01-01T12:00Z\"}"));
		corpus.add(Case.json("deadline with a space for T", "{" + VALID + ",\"deadline\":\"2030-01-01 12:00:00Z\"}"));
		corpus.add(Case.json("deadline on February 30th", "{" + VALID + ",\"deadline\":\"2030-02-30T12:00:00Z\"}"));
		corpus.add(Case.json("lane in upper case", "{" + VALID + ",\"lane\":\"BATCH\"}"));
		corpus.add(Case.json("lane capitalised", "{" + VALID + ",\"lane\":\"Standard\"}"));
		corpus.add(Case.json("lane with spaces", "{" + VALID + ",\"lane\":\" batch\"}"));
		// Empty strings where a value is optional: leave the field out instead
		corpus.add(Case.json("deadline is empty", "{" + VALID + ",\"deadline\":\"\"}"));
		corpus.add(Case.json("deadline is blank", "{" + VALID + ",\"deadline\":\" \"}"));
		corpus.add(Case.json("lane is empty", "{" + VALID + ",\"lane\":\"\"}"));
		corpus.add(Case.json("seed is empty", "{" + VALID + ",\"seed\":\"\"}"));
		corpus.add(Case.json("steps is empty", "{" + VALID + ",\"steps\":\"\"}"));
		corpus.add(Case.json("metadata is empty", "{" + VALID + ",\"metadata\":\"\"}"));
		corpus.add(Case.json("negativePrompt is empty", "{" + VALID + ",\"negativePrompt\":\"\"}"));
		corpus.add(Case.json("model is empty", "{" + VALID + ",\"model\":\"\"}"));
		corpus.add(Case.json("callbackUrl is empty", "{" + VALID + ",\"callbackUrl\":\"\"}"));
		// Huge numbers
		corpus.add(Case.json("width beyond int", "{\"prompt\":\"fox\",\"width\":4294967360,\"height\":64}"));
		corpus.add(Case.json("width beyond long",
				"{\"prompt\":\"fox\",\"width\":123456789012345678901234567890,\"height\":64}"));
		corpus.add(Case.json("width with a huge exponent", "{\"prompt\":\"fox\",\"width\":1e400,\"height\":64}"));
		corpus.add(Case.json("seed beyond long", "{" + VALID + ",\"seed\":99999999999999999999}"));
		corpus.add(Case.json("seed at long max", "{" + VALID + ",\"seed\":9223372036854775807}"));
		corpus.add(Case.json("guidance beyond double", "{" + VALID + ",\"guidanceScale\":1e400}"));
		corpus.add(Case.json("steps below int", "{" + VALID + ",\"steps\":-2147483649}"));
		corpus.add(Case.json("a number with 2000 digits", "{" + VALID + ",\"steps\":" + "9".repeat(2000) + "}"));
		// NaN and Infinity
		corpus.add(Case.json("guidance NaN", "{" + VALID + ",\"guidanceScale\":NaN}"));
		corpus.add(Case.json("guidance Infinity", "{" + VALID + ",\"guidanceScale\":Infinity}"));
		corpus.add(Case.json("guidance -Infinity", "{" + VALID + ",\"guidanceScale\":-Infinity}"));
		corpus.add(Case.json("guidance \"NaN\"", "{" + VALID + ",\"guidanceScale\":\"NaN\"}"));
		// Deep nesting
		corpus.add(Case.json("metadata nested 5000 deep",
				"{" + VALID + ",\"metadata\":" + "{\"a\":".repeat(5000) + "1" + "}".repeat(5000) + "}"));
		corpus.add(Case.json("arrays nested 5000 deep",
				"{" + VALID + ",\"metadata\":{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}}"));
		corpus.add(Case.json("top level nested 20000 deep", "[".repeat(20000) + "]".repeat(20000)));
		// Invalid UTF-8
		byte[] head = "{\"prompt\":\"fox ".getBytes(StandardCharsets.UTF_8);
		byte[] tail = "\",\"width\":64,\"height\":64}".getBytes(StandardCharsets.UTF_8);
		corpus.add(Case.bytes("invalid UTF-8: lone continuation byte", head, new byte[] { (byte) 0x80 }, tail));
		corpus.add(Case.bytes("invalid UTF-8: 0xFF", head, new byte[] { (byte) 0xFF }, tail));
		corpus.add(Case.bytes("invalid UTF-8: truncated sequence", head, new byte[] { (byte) 0xC3 }, tail));
		corpus.add(Case.bytes("invalid UTF-8: overlong slash", head, new byte[] { (byte) 0xC0, (byte) 0xAF }, tail));
		corpus.add(Case.bytes("invalid UTF-8: encoded surrogate", head,
				new byte[] { (byte) 0xED, (byte) 0xA0, (byte) 0x80 }, tail));
		corpus.add(Case.bytes("invalid UTF-8: beyond U+10FFFF", head,
				new byte[] { (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80 }, tail));
		corpus.add(Case.bytes("raw NUL byte in a string", head, new byte[] { 0 }, tail));
		corpus.add(Case.bytes("raw newline in a string", head, new byte[] { '\n' }, tail));
		// Control characters, escaped
		corpus.add(Case.json("escaped NUL", "{\"prompt\":\"fox\\u0000\",\"width\":64,\"height\":64}"));
		corpus.add(Case.json("escaped ESC", "{\"prompt\":\"fox\\u001b[31m\",\"width\":64,\"height\":64}"));
		corpus.add(Case.json("escaped DEL", "{\"prompt\":\"fox\\u007f\",\"width\":64,\"height\":64}"));
		corpus.add(Case.json("escaped lone surrogate", "{\"prompt\":\"fox\\ud800\",\"width\":64,\"height\":64}"));
		corpus.add(Case.json("escaped C1 control NEL", "{\"prompt\":\"fox\\u0085\",\"width\":64,\"height\":64}"));
		corpus.add(Case.json("escaped C1 control CSI", "{\"prompt\":\"fox\\u009b31m\",\"width\":64,\"height\":64}"));
		corpus.add(Case.json("escaped noncharacter U+FFFF", "{\"prompt\":\"fox\\uffff\",\"width\":64,\"height\":64}"));
		corpus.add(Case.json("control in negativePrompt", "{" + VALID + ",\"negativePrompt\":\"a\\u0008b\"}"));
		// Duplicate keys
		corpus.add(Case.json("duplicate prompt, second blank", "{" + VALID + ",\"prompt\":\"\"}"));
		corpus.add(Case.json("duplicate prompt, both valid", "{" + VALID + ",\"prompt\":\"a blue whale\"}"));
		corpus.add(Case.json("duplicate width, second invalid", "{" + VALID + ",\"width\":65}"));
		// Wrong content types
		String valid = "{" + VALID + "}";
		corpus.add(Case.typed("no content type", valid, null));
		corpus.add(Case.typed("text/plain", valid, "text/plain"));
		corpus.add(Case.typed("application/xml", "<job><prompt>fox</prompt></job>", "application/xml"));
		corpus.add(Case.typed("form", "prompt=fox&width=64&height=64", "application/x-www-form-urlencoded"));
		corpus.add(Case.typed("multipart", "--b\r\n\r\n" + valid + "\r\n--b--", "multipart/form-data; boundary=b"));
		corpus.add(Case.typed("octet-stream", valid, "application/octet-stream"));
		corpus.add(Case.typed("garbage content type", valid, "not a media type"));
		// Oversized
		String big = "{" + VALID + ",\"negativePrompt\":\"" + "n".repeat(70_000) + "\"}";
		corpus.add(Case.json("70 KB body with Content-Length", big));
		corpus.add(new Case("70 KB body, chunked", big.getBytes(StandardCharsets.UTF_8), JSON, true));
		corpus.add(new Case("1 MB body, chunked", ("{\"metadata\":{\"k\":\"" + "m".repeat(1 << 20) + "\"}}")
			.getBytes(StandardCharsets.UTF_8), JSON, true));
		corpus.add(Case.json("prompt of 60000 characters",
				"{\"prompt\":\"" + "p".repeat(60_000) + "\",\"width\":64,\"height\":64}"));
		return corpus;
	}

	/**
	 * How the gateway answers a case today where that is wrong (see the issue #8 report): the answer's status and
	 * whether the job was enqueued. These cases are checked against this record, so that a fix fails the test until
	 * the case is taken off this list and held to the same rule as the rest of the corpus.
	 *
	 * @param status the status the gateway answers today
	 * @param enqueued whether it records and enqueues a job today
	 * @param why what is wrong and the proposed fix
	 */
	record KnownGap(int status, boolean enqueued, String why) {
	}

	static final Map<String, KnownGap> KNOWN_GAPS = Map.of();

	@TestFactory
	Stream<DynamicTest> everyMalformedBodyGetsAProblemAndNothingIsEnqueued() {
		return corpus().stream()
			.filter((c) -> !KNOWN_GAPS.containsKey(c.name()))
			.map((c) -> DynamicTest.dynamicTest(c.name(), () -> rejected(c)));
	}

	@TestFactory
	Stream<DynamicTest> knownGapsAnswerAsReportedUntilFixed() {
		assertThat(corpus()).extracting(Case::name).containsAll(KNOWN_GAPS.keySet());
		return corpus().stream()
			.filter((c) -> KNOWN_GAPS.containsKey(c.name()))
			.map((c) -> DynamicTest.dynamicTest(c.name() + " (known gap)", () -> {
				KnownGap gap = KNOWN_GAPS.get(c.name());
				Gateway gateway = gateway();
				Gateway.Counts before = gateway.counts();
				Gateway.Answer answer = gateway.submit(c.body(), c.contentType(), c.chunked());
				assertThat(answer.status())
					.as("Known gap '%s' (%s) now answers %s: if fixed, remove it from KNOWN_GAPS", c.name(), gap.why(),
							answer)
					.isEqualTo(gap.status());
				assertThat(gateway.counts()).isEqualTo(gap.enqueued() ? before.plusOne() : before);
			}));
	}

	@Test
	void theCorpusAcceptsTheSameRequestWhenWellFormed() {
		Gateway gateway = gateway();
		Gateway.Counts before = gateway.counts();
		Gateway.Answer answer = gateway.submit(("{" + VALID + "}").getBytes(StandardCharsets.UTF_8), JSON, true);
		assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
		assertThat(gateway.counts()).isEqualTo(before.plusOne());
	}

	private void rejected(Case c) {
		Gateway gateway = gateway();
		Gateway.Counts before = gateway.counts();
		Gateway.Answer answer = gateway.submit(c.body(), c.contentType(), c.chunked());
		assertThat(answer.status()).as(answer.toString()).isBetween(400, 499);
		assertThat(answer.contentType()).as(answer.toString()).startsWith("application/problem+json");
		JsonNode problem = this.json.readTree(answer.body());
		assertThat(problem.get("type").asString()).startsWith("https://kiln.dev/problems/");
		assertThat(problem.get("status").asInt()).isEqualTo(answer.status());
		assertThat(answer.body()).doesNotContain("Exception", "\tat ");
		assertThat(gateway.counts()).isEqualTo(before);
	}

	private Gateway gateway() {
		return new Gateway("http://localhost:" + this.port, KEY, TENANT, "gwbad", this.sqs, this.redis);
	}

}
