package dev.kiln.advisor.price;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Primary;
import org.springframework.stereotype.Component;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.advisor.policy.Prices;

/**
 * Spot prices from EC2's spot price history ({@code DescribeSpotPriceHistory}, Query API, SigV4-signed), on-demand
 * prices from the configured table. The spot price is the lowest latest price across availability zones, the one
 * Karpenter's price-capacity-optimized allocation tends to get. Readings are cached for {@code refresh}; when EC2
 * cannot be read the last reading is kept, and before the first one the configured table answers.
 */
@Component
@Primary
@ConditionalOnProperty(prefix = "kiln.advisor.prices.spot-history", name = "enabled", havingValue = "true")
class Ec2SpotPriceProvider implements PriceProvider {

	private static final Logger logger = LoggerFactory.getLogger(Ec2SpotPriceProvider.class);

	private static final Set<String> RESTRICTED_HEADERS = Set.of("host", "connection", "content-length", "expect",
			"upgrade");

	private final PriceProvider table;

	private final SpotHistoryProperties settings;

	private final String instanceType;

	private final AwsCredentialsProvider credentials;

	private final String region;

	private final URI endpoint;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private volatile @Nullable Reading last;

	@Autowired
	Ec2SpotPriceProvider(ConfiguredPriceProvider table, SpotHistoryProperties settings, AdvisorProperties properties,
			AwsCredentialsProvider credentials, AwsRegionProvider region) {
		this(table, settings, properties.prices().instanceType(), credentials, region.getRegion().id());
	}

	Ec2SpotPriceProvider(PriceProvider table, SpotHistoryProperties settings, String instanceType,
			AwsCredentialsProvider credentials, String region) {
		this.table = table;
		this.settings = settings;
		this.instanceType = instanceType;
		this.credentials = credentials;
		this.region = region;
		this.endpoint = (settings.endpoint() != null) ? settings.endpoint()
				: URI.create("https://ec2." + this.region + ".amazonaws.com/");
	}

	@Override
	public Prices prices(Instant now) {
		Prices configured = this.table.prices(now);
		Reading reading = this.last;
		if (reading == null || reading.at().plus(this.settings.refresh()).isBefore(now)) {
			try {
				reading = new Reading(fetchSpotPrice(now), now);
				this.last = reading;
			}
			catch (IOException | RuntimeException ex) {
				logger.warn("Could not read the spot price history of {} from {}: {}", this.instanceType,
						this.endpoint, ex.getMessage());
				if (reading == null) {
					return configured;
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return (reading != null) ? new Prices(configured.onDemandPerHour(), reading.spot()) : configured;
			}
		}
		return new Prices(configured.onDemandPerHour(), reading.spot());
	}

	/** The lowest of the latest spot prices per availability zone. */
	double fetchSpotPrice(Instant now) throws IOException, InterruptedException {
		Map<String, String> query = new LinkedHashMap<>();
		query.put("Action", "DescribeSpotPriceHistory");
		query.put("Version", "2016-11-15");
		query.put("InstanceType.1", this.instanceType);
		query.put("ProductDescription.1", this.settings.productDescription());
		query.put("StartTime", now.minus(this.settings.lookback()).truncatedTo(ChronoUnit.SECONDS).toString());
		query.put("MaxResults", "1000");
		URI uri = URI.create(this.endpoint + "?" + query.entrySet()
			.stream()
			.map((e) -> encode(e.getKey()) + "=" + encode(e.getValue()))
			.collect(Collectors.joining("&")));
		SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.GET).uri(uri).build();
		SignedRequest signed = AwsV4HttpSigner.create()
			.sign((request) -> request.identity(this.credentials.resolveCredentials())
				.request(unsigned)
				.putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ec2")
				.putProperty(AwsV4HttpSigner.REGION_NAME, this.region));
		HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
		signed.request().headers().forEach((name, values) -> {
			if (!RESTRICTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
				values.forEach((value) -> request.header(name, value));
			}
		});
		HttpResponse<byte[]> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
		if (response.statusCode() != 200) {
			throw new IOException("EC2 answered " + response.statusCode());
		}
		return lowestLatest(response.body());
	}

	static double lowestLatest(byte[] xml) throws IOException {
		Document document;
		try {
			DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
			factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
			factory.setNamespaceAware(false);
			document = factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
		}
		catch (Exception ex) {
			throw new IOException("Unreadable DescribeSpotPriceHistory response", ex);
		}
		Map<String, Instant> latestAt = new HashMap<>();
		Map<String, Double> latestPrice = new HashMap<>();
		NodeList items = document.getElementsByTagName("item");
		for (int i = 0; i < items.getLength(); i++) {
			Element item = (Element) items.item(i);
			String zone = text(item, "availabilityZone");
			String price = text(item, "spotPrice");
			String timestamp = text(item, "timestamp");
			if (zone == null || price == null || timestamp == null) {
				continue;
			}
			Instant at = Instant.parse(timestamp);
			if (!latestAt.containsKey(zone) || at.isAfter(latestAt.get(zone))) {
				latestAt.put(zone, at);
				latestPrice.put(zone, Double.parseDouble(price));
			}
		}
		return latestPrice.values()
			.stream()
			.mapToDouble(Double::doubleValue)
			.min()
			.orElseThrow(() -> new IOException("The spot price history is empty"));
	}

	private static @Nullable String text(Element item, String tag) {
		NodeList nodes = item.getElementsByTagName(tag);
		return (nodes.getLength() > 0) ? nodes.item(0).getTextContent().trim() : null;
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
	}

	private record Reading(double spot, Instant at) {
	}

}
