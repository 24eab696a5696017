package dev.kiln.advisor.price;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import dev.kiln.advisor.policy.Prices;

import static org.assertj.core.api.Assertions.assertThat;

/** The EC2 spot price provider against a local stand-in of the EC2 Query API. */
class Ec2SpotPriceProviderTests {

	private static final String HISTORY = """
			<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
			  <requestId>r1</requestId>
			  <spotPriceHistorySet>
			    <item><instanceType>g5.xlarge</instanceType><productDescription>Linux/UNIX</productDescription>
			      <spotPrice>0.4100</spotPrice><timestamp>2026-11-23T09:00:00.000Z</timestamp>
			      <availabilityZone>us-east-1a</availabilityZone></item>
			    <item><instanceType>g5.xlarge</instanceType><productDescription>Linux/UNIX</productDescription>
			      <spotPrice>0.3300</spotPrice><timestamp>2026-11-23T10:00:00.000Z</timestamp>
			      <availabilityZone>us-east-1a</availabilityZone></item>
			    <item><instanceType>g5.xlarge</instanceType><productDescription>Linux/UNIX</productDescription>
			      <spotPrice>0.2900</spotPrice><timestamp>2026-11-23T08:00:00.000Z</timestamp>
			      <availabilityZone>us-east-1b</availabilityZone></item>
			    <item><instanceType>g5.xlarge</instanceType><productDescription>Linux/UNIX</productDescription>
			      <spotPrice>0.3500</spotPrice><timestamp>2026-11-23T09:30:00.000Z</timestamp>
			      <availabilityZone>us-east-1b</availabilityZone></item>
			  </spotPriceHistorySet>
			</DescribeSpotPriceHistoryResponse>
			""";

	private static final Instant NOW = Instant.parse("2026-11-23T10:30:00Z");

	private final List<HttpExchangeRecord> requests = new CopyOnWriteArrayList<>();

	private final AtomicInteger status = new AtomicInteger(200);

	private HttpServer server;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", this::answer);
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	@Test
	void spotIsTheLowestLatestPriceAcrossZonesAndOnDemandComesFromTheTable() {
		Prices prices = provider(Duration.ofMinutes(10)).prices(NOW);
		// latest per zone: 1a 0.33 (10:00), 1b 0.35 (09:30); the older, lower 0.29 does not count
		assertThat(prices.spotPerHour()).isEqualTo(0.33);
		assertThat(prices.onDemandPerHour()).isEqualTo(1.006);
	}

	@Test
	void theRequestIsASigV4SignedDescribeSpotPriceHistory() {
		provider(Duration.ofMinutes(10)).prices(NOW);
		assertThat(this.requests).hasSize(1);
		HttpExchangeRecord request = this.requests.get(0);
		assertThat(request.query()).contains("Action=DescribeSpotPriceHistory", "Version=2016-11-15",
				"InstanceType.1=g5.xlarge", "ProductDescription.1=Linux/UNIX", "StartTime=2026-11-23T07:30:00Z");
		assertThat(request.authorization())
			.matches("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/us-east-1/ec2/aws4_request, SignedHeaders=.*host.*"
					+ "x-amz-date.*, Signature=[0-9a-f]{64}");
	}

	@Test
	void readingsAreCachedForTheRefreshInterval() {
		Ec2SpotPriceProvider provider = provider(Duration.ofMinutes(10));
		provider.prices(NOW);
		provider.prices(NOW.plusSeconds(300));
		assertThat(this.requests).hasSize(1);
		provider.prices(NOW.plusSeconds(601));
		assertThat(this.requests).hasSize(2);
	}

	@Test
	void whenEc2CannotBeReadTheLastReadingOrElseTheTableAnswers() {
		this.status.set(500);
		Ec2SpotPriceProvider provider = provider(Duration.ofSeconds(1));
		assertThat(provider.prices(NOW).spotPerHour()).isEqualTo(0.35); // the table's spot price
		this.status.set(200);
		assertThat(provider.prices(NOW.plusSeconds(2)).spotPerHour()).isEqualTo(0.33);
		this.status.set(500);
		assertThat(provider.prices(NOW.plusSeconds(4)).spotPerHour()).isEqualTo(0.33); // last good reading kept
	}

	private Ec2SpotPriceProvider provider(Duration refresh) {
		URI endpoint = URI.create("http://localhost:" + this.server.getAddress().getPort() + "/");
		SpotHistoryProperties settings = new SpotHistoryProperties(true, endpoint, "Linux/UNIX", refresh,
				Duration.ofHours(3));
		PriceProvider table = (now) -> new Prices(1.006, 0.35);
		return new Ec2SpotPriceProvider(table, settings, "g5.xlarge",
				StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")), "us-east-1");
	}

	private void answer(HttpExchange exchange) throws IOException {
		this.requests.add(new HttpExchangeRecord(exchange.getRequestURI().getQuery(),
				String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"))));
		byte[] body = (this.status.get() == 200) ? HISTORY.getBytes(StandardCharsets.UTF_8) : new byte[0];
		exchange.sendResponseHeaders(this.status.get(), (body.length == 0) ? -1 : body.length);
		if (body.length > 0) {
			exchange.getResponseBody().write(body);
		}
		exchange.close();
	}

	private record HttpExchangeRecord(String query, String authorization) {
	}

}
