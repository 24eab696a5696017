package dev.kiln.embedded;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQS, S3 and Redis, started together in-process. {@link #serviceProperties()} gives the Spring properties that point
 * a Kiln service at them, exactly the properties it would be given in production.
 *
 * @param sqs the SQS server
 * @param s3 the S3 server
 * @param redis the Redis server
 */
public record EmbeddedStack(EmbeddedSqs sqs, EmbeddedS3 s3, EmbeddedRedis redis) implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedStack.class);

	/** Region the stand-ins pretend to be in. */
	public static final String REGION = "us-east-1";

	/** Starts all three on free ports. */
	public static EmbeddedStack start() {
		return start(0, 0, 0);
	}

	/**
	 * Starts all three; a port of {@code 0} picks a free one. When one fails to start, those already started are
	 * stopped again before the error is thrown.
	 * @param sqsPort SQS port
	 * @param s3Port S3 port
	 * @param redisPort Redis port
	 * @return the running stack
	 */
	public static EmbeddedStack start(int sqsPort, int s3Port, int redisPort) {
		List<AutoCloseable> started = new ArrayList<>();
		try {
			long begin = System.nanoTime();
			EmbeddedRedis redis = EmbeddedRedis.start(redisPort);
			started.add(redis);
			EmbeddedS3 s3 = EmbeddedS3.start(s3Port);
			started.add(s3);
			EmbeddedSqs sqs = EmbeddedSqs.start(sqsPort);
			started.add(sqs);
			logger.info("Embedded SQS on {}, S3 on {}, Redis on {} started in {} ms", sqs.port(), s3.port(),
					redis.port(), (System.nanoTime() - begin) / 1_000_000);
			return new EmbeddedStack(sqs, s3, redis);
		}
		catch (RuntimeException ex) {
			Collections.reverse(started);
			for (AutoCloseable closeable : started) {
				try {
					closeable.close();
				}
				catch (Exception suppressed) {
					ex.addSuppressed(suppressed);
				}
			}
			throw ex;
		}
	}

	/**
	 * Spring Boot and Spring Cloud AWS properties that point a service at this stack: region, static dummy
	 * credentials, the SQS and S3 endpoints (S3 path-style) and the Redis host and port.
	 * @return property names to values, in a stable order
	 */
	public Map<String, String> serviceProperties() {
		return serviceProperties(this.sqs.endpoint(), this.s3.endpoint(), this.redis.port());
	}

	/**
	 * The properties of {@link #serviceProperties()} for stand-ins a harness runs itself (the chaos run's restartable
	 * SQS, say): region, static dummy credentials, the endpoints (S3 path-style) and Redis on loopback.
	 * @param sqsEndpoint the SQS endpoint
	 * @param s3Endpoint the S3 endpoint
	 * @param redisPort the port of Redis on loopback
	 * @return property names to values, in a stable order
	 */
	public static Map<String, String> serviceProperties(URI sqsEndpoint, URI s3Endpoint, int redisPort) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.cloud.aws.region.static", REGION);
		properties.put("spring.cloud.aws.credentials.access-key", "kiln-local");
		properties.put("spring.cloud.aws.credentials.secret-key", "kiln-local");
		properties.put("spring.cloud.aws.sqs.endpoint", sqsEndpoint.toString());
		properties.put("spring.cloud.aws.s3.endpoint", s3Endpoint.toString());
		properties.put("spring.cloud.aws.s3.path-style-access-enabled", "true");
		properties.put("spring.data.redis.host", "127.0.0.1");
		properties.put("spring.data.redis.port", Integer.toString(redisPort));
		return properties;
	}

	@Override
	public void close() {
		RuntimeException failure = null;
		for (AutoCloseable closeable : List.<AutoCloseable>of(this.sqs, this.s3, this.redis)) {
			try {
				closeable.close();
			}
			catch (Exception ex) {
				if (failure == null) {
					failure = new IllegalStateException("Could not stop the embedded stack cleanly", ex);
				}
				else {
					failure.addSuppressed(ex);
				}
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

}
