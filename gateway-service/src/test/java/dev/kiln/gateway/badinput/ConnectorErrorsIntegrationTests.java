package dev.kiln.gateway.badinput;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests that Tomcat refuses before Spring sees them, written byte for byte on a raw socket (no HTTP client would
 * send most of them): each answer must be {@code application/problem+json} with a stable Kiln {@code type}, never
 * Tomcat's HTML error page, and nothing may be recorded or enqueued.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwconn", "kiln.storage.bucket=gwconn-images",
				"kiln.gateway.auth.bootstrap-keys[0].key=" + ConnectorErrorsIntegrationTests.KEY,
				"kiln.gateway.auth.bootstrap-keys[0].tenant=" + ConnectorErrorsIntegrationTests.TENANT })
class ConnectorErrorsIntegrationTests {

	static final String KEY = "gwconn-key-0123456789abcdef";

	static final String TENANT = "gw-conn";

	private static final String PROBLEMS = "https://kiln.dev/problems/";

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
		Gateway.createQueues(sqs, "gwconn");
	}

	/**
	 * A raw request and the answer it must get.
	 *
	 * @param name what is wrong with it
	 * @param request the bytes sent
	 * @param status the status expected
	 * @param type the problem type expected (after {@value #PROBLEMS})
	 */
	record Case(String name, byte[] request, int status, String type) {

		static Case of(String name, String request, int status, String type) {
			return new Case(name, request.getBytes(StandardCharsets.ISO_8859_1), status, type);
		}

	}

	static List<Case> cases() {
		String auth = "Authorization: Bearer " + KEY + "\r\n";
		String host = "Host: localhost\r\n";
		String post = "POST /v1/jobs HTTP/1.1\r\n" + host + auth + "Content-Type: application/json\r\n";
		String body = "{\"prompt\":\"a red fox\",\"width\":64,\"height\":64}";
		return List.of(
				Case.of("encoded slash %2F in the path", "GET /v1/jobs/a%2Fb HTTP/1.1\r\n" + host + auth + "\r\n", 400,
						"invalid-uri"),
				Case.of("encoded NUL %00 in the path", "GET /v1/jobs/a%00b HTTP/1.1\r\n" + host + auth + "\r\n", 400,
						"invalid-uri"),
				Case.of("encoded backslash %5C in the path",
						"GET /v1/jobs/a%5Cb HTTP/1.1\r\n" + host + auth + "\r\n", 400, "invalid-uri"),
				Case.of("'..' above the root", "GET /v1/../../etc/passwd HTTP/1.1\r\n" + host + auth + "\r\n", 400,
						"invalid-uri"),
				Case.of("bad % escape", "GET /v1/jobs/a%zz HTTP/1.1\r\n" + host + auth + "\r\n", 400, "invalid-uri"),
				Case.of("raw '{' in the path", "GET /v1/jobs/{id} HTTP/1.1\r\n" + host + auth + "\r\n", 400,
						"invalid-uri"),
				Case.of("10 kB Authorization header",
						"GET /v1/jobs HTTP/1.1\r\n" + host + "Authorization: Bearer " + "k".repeat(10_240) + "\r\n\r\n",
						431, "request-header-too-large"),
				Case.of("10 kB of headers on a submit",
						post + "X-Padding: " + "p".repeat(10_240) + "\r\nContent-Length: " + body.length() + "\r\n\r\n"
								+ body,
						431, "request-header-too-large"),
				Case.of("bad chunk size", post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n",
						400, "malformed-http-request"),
				Case.of("chunk longer than announced",
						post + "Transfer-Encoding: chunked\r\n\r\n5\r\n" + body + "\r\n0\r\n\r\n", 400,
						"malformed-http-request"),
				Case.of("unknown transfer coding",
						post + "Transfer-Encoding: gzip, chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n"
								+ body + "\r\n0\r\n\r\n",
						501, "not-implemented"),
				Case.of("two Content-Lengths",
						post + "Content-Length: " + body.length() + "\r\nContent-Length: 1\r\n\r\n" + body, 400,
						"malformed-http-request"),
				Case.of("no Host header", "GET /v1/models HTTP/1.1\r\n" + auth + "\r\n", 400,
						"malformed-http-request"),
				Case.of("control character in the method", "G\u0001T /v1/models HTTP/1.1\r\n" + host + "\r\n", 400,
						"malformed-http-request"),
				Case.of("header without a colon", "GET /v1/models HTTP/1.1\r\n" + host + "Broken header\r\n\r\n", 400,
						"malformed-http-request"),
				Case.of("HTTP/2.0 as HTTP/1 text", "GET /v1/models HTTP/2.0\r\n" + host + "\r\n", 505,
						"http-version-not-supported"),
				Case.of("CONNECT", "CONNECT localhost:443 HTTP/1.1\r\n" + host + "\r\n", 501, "not-implemented"));
	}

	@TestFactory
	Stream<DynamicTest> tomcatErrorsAreProblemsAndEnqueueNothing() {
		return cases().stream().map((c) -> DynamicTest.dynamicTest(c.name(), () -> {
			Gateway gateway = gateway();
			Gateway.Counts before = gateway.counts();
			Raw answer = send(c.request());
			assertThat(answer.status()).as(answer.toString()).isEqualTo(c.status());
			assertThat(answer.headers().get("content-type")).as(answer.toString())
				.startsWith("application/problem+json");
			assertThat(answer.body()).doesNotContain("<html", "Apache Tomcat", "Exception");
			JsonNode problem = this.json.readTree(answer.body());
			assertThat(problem.get("type").asString()).as(answer.toString()).isEqualTo(PROBLEMS + c.type());
			assertThat(problem.get("status").asInt()).isEqualTo(c.status());
			assertThat(problem.get("title").asString()).isNotBlank();
			assertThat(gateway.counts()).isEqualTo(before);
		}));
	}

	@Test
	void aWellFormedRawRequestIsServed() throws IOException {
		Raw answer = send(("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY
				+ "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
	}

	/**
	 * A raw HTTP/1.1 answer.
	 *
	 * @param status the status code
	 * @param headers the headers, names in lower case
	 * @param body the body (de-chunked), as UTF-8
	 */
	record Raw(int status, Map<String, String> headers, String body) {
	}

	private Raw send(byte[] request) throws IOException {
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(20_000);
			OutputStream out = socket.getOutputStream();
			try {
				out.write(request);
				out.flush();
				socket.shutdownOutput();
			}
			catch (SocketException ex) {
				// the server may answer and close before it has read everything
			}
			return parse(readAll(socket.getInputStream()));
		}
	}

	private static byte[] readAll(InputStream in) throws IOException {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		byte[] buffer = new byte[8192];
		try {
			for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
				all.write(buffer, 0, n);
			}
		}
		catch (SocketException ex) {
			// a reset after the answer was sent
		}
		return all.toByteArray();
	}

	private static Raw parse(byte[] bytes) {
		String text = new String(bytes, StandardCharsets.ISO_8859_1);
		int end = text.indexOf("\r\n\r\n");
		assertThat(end).as("a complete HTTP answer: %s", text).isPositive();
		String[] lines = text.substring(0, end).split("\r\n");
		int status = Integer.parseInt(lines[0].split(" ")[1]);
		Map<String, String> headers = new LinkedHashMap<>();
		for (int i = 1; i < lines.length; i++) {
			int colon = lines[i].indexOf(':');
			headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
					lines[i].substring(colon + 1).trim());
		}
		byte[] raw = text.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1);
		String body;
		if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
			body = dechunk(new String(raw, StandardCharsets.ISO_8859_1));
		}
		else {
			body = new String(raw, StandardCharsets.UTF_8);
		}
		return new Raw(status, headers, body);
	}

	private static String dechunk(String chunked) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		int at = 0;
		while (at < chunked.length()) {
			int eol = chunked.indexOf("\r\n", at);
			int size = Integer.parseInt(chunked.substring(at, eol).split(";")[0].trim(), 16);
			if (size == 0) {
				break;
			}
			out.writeBytes(chunked.substring(eol + 2, eol + 2 + size).getBytes(StandardCharsets.ISO_8859_1));
			at = eol + 2 + size + 2;
		}
		return out.toString(StandardCharsets.UTF_8);
	}

	private Gateway gateway() {
		return new Gateway("http://localhost:" + this.port, KEY, TENANT, "gwconn", this.sqs, this.redis);
	}

}
