package dev.kiln.chaos;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import dev.kiln.advisor.AutoscaleAdvisorApplication;
import dev.kiln.embedded.EmbeddedRedis;
import dev.kiln.embedded.EmbeddedS3;
import dev.kiln.embedded.EmbeddedStack;
import dev.kiln.gateway.GatewayApplication;
import dev.kiln.queue.QueueServiceApplication;

/**
 * The topology of the chaos run: a durable Redis ({@link EmbeddedRedis#startDurable}), a restartable SQS ({@link ChaosSqs}), the
 * embedded S3, the queue service, gateway and advisor in this JVM (as {@code LocalStack.start} composes them, minus the
 * in-JVM worker), and the workers as separate processes ({@link WorkerFleet}).
 */
final class ChaosStack implements AutoCloseable {

	static final String TENANT = "chaos";

	static final String PREFIX = "chaos";

	static final String BUCKET = "chaos-images";

	final EmbeddedRedis redis;

	final ChaosSqs sqs;

	final EmbeddedS3 s3;

	final SpotMetadataService spot;

	final WorkerFleet workers;

	final String apiKey;

	final String gatewayUrl;

	final S3Client s3Client;

	final SqsClient sqsClient;

	final StringRedisTemplate redisClient;

	private final LettuceConnectionFactory redisConnections;

	private final List<ConfigurableApplicationContext> services;

	private ChaosStack(Builder b) {
		this.redis = b.redis;
		this.sqs = b.sqs;
		this.s3 = b.s3;
		this.spot = b.spot;
		this.workers = b.workers;
		this.apiKey = b.apiKey;
		this.gatewayUrl = b.gatewayUrl;
		this.s3Client = b.s3Client;
		this.sqsClient = b.sqsClient;
		this.redisClient = b.redisClient;
		this.redisConnections = b.redisConnections;
		this.services = b.services;
	}

	/**
	 * Starts the servers and services (not yet any worker).
	 * @param work where Redis keeps its append-only file and workers their logs and model cache
	 * @param options the run's options
	 * @return the running stack
	 */
	static ChaosStack start(Path work, ChaosOptions options) {
		Builder b = new Builder();
		try {
			b.redis = EmbeddedRedis.startDurable(0, work.resolve("redis"));
			b.s3 = EmbeddedS3.start(0);
			b.sqs = ChaosSqs.start();
			b.spot = SpotMetadataService.start();
			Map<String, String> common = new LinkedHashMap<>(
					EmbeddedStack.serviceProperties(b.sqs.endpoint(), b.s3.endpoint(), b.redis.port()));
			common.put("kiln.queues.prefix", PREFIX);
			common.put("kiln.storage.bucket", BUCKET);
			Map<String, String> noApiDocs = Map.of("springdoc.api-docs.enabled", "false",
					"springdoc.swagger-ui.enabled", "false");
			// Faults are injected every few seconds: every recovery timer is scaled down to match.
			Map<String, String> queueService = new LinkedHashMap<>();
			queueService.put("kiln.provision", "true");
			queueService.put("kiln.queues.max-receive-count", Integer.toString(options.maxReceiveCount()));
			queueService.put("kiln.queues.visibility-timeout", "6s");
			queueService.put("kiln.stuck-jobs.threshold", "5s");
			queueService.put("kiln.stuck-jobs.interval", "1s");
			queueService.put("kiln.lanes.dead-letter-interval", "2s");
			queueService.put("kiln.lanes.monitor-interval", "2s");
			queueService.put("kiln.retention-sweep.enabled", "false");
			// the relay of jobs recorded but never confirmed in SQS; grace above the gateway's 10 s send timeout
			queueService.put("kiln.outbox.interval", "1s");
			queueService.put("kiln.outbox.grace", "12s");
			b.services.add(run(QueueServiceApplication.class, common, noApiDocs, queueService));

			b.apiKey = "kiln_chaos_" + HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
			Map<String, String> gateway = new LinkedHashMap<>();
			gateway.put("kiln.gateway.auth.bootstrap-keys[0].key", b.apiKey);
			gateway.put("kiln.gateway.auth.bootstrap-keys[0].tenant", TENANT);
			gateway.put("kiln.gateway.auth.bootstrap-keys[0].admin", "true");
			gateway.put("kiln.gateway.auth.bootstrap-keys[0].name", "chaos");
			// the run measures fault handling, not the tenant's limits
			gateway.put("kiln.gateway.limits.requests-per-second", "100000");
			gateway.put("kiln.gateway.limits.burst", "100000");
			gateway.put("kiln.gateway.limits.max-queued-jobs", "10000");
			ConfigurableApplicationContext gatewayContext = run(GatewayApplication.class, common, gateway);
			b.services.add(gatewayContext);
			b.gatewayUrl = "http://localhost:" + gatewayContext.getEnvironment().getProperty("local.server.port");
			// any free port for the KEDA external scaler (gRPC), so that runs and other stacks can share the machine
			b.services.add(run(AutoscaleAdvisorApplication.class, common, noApiDocs,
					Map.of("kiln.advisor.grpc-port", "0")));

			var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("kiln-chaos", "kiln-chaos"));
			b.s3Client = S3Client.builder()
				.endpointOverride(b.s3.endpoint())
				.region(Region.US_EAST_1)
				.credentialsProvider(credentials)
				.forcePathStyle(true)
				.build();
			b.sqsClient = SqsClient.builder()
				.endpointOverride(b.sqs.endpoint())
				.region(Region.US_EAST_1)
				.credentialsProvider(credentials)
				.build();
			b.redisConnections = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", b.redis.port()),
					LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
			b.redisConnections.afterPropertiesSet();
			b.redisConnections.start();
			b.redisClient = new StringRedisTemplate(b.redisConnections);

			Map<String, String> worker = new LinkedHashMap<>(common);
			worker.putAll(noApiDocs);
			worker.put("server.port", "0");
			worker.put("kiln.worker.model-cache", work.resolve("models").toAbsolutePath().toString());
			worker.put("kiln.worker.heartbeat-interval", "1s");
			worker.put("kiln.worker.lease-ttl", "3s");
			worker.put("kiln.worker.visibility-timeout", "6s");
			worker.put("kiln.worker.retry-backoff", "1s");
			worker.put("kiln.worker.max-retry-backoff", "4s");
			worker.put("kiln.worker.drain-timeout", "3s");
			worker.put("kiln.worker.checkpoint-every", "2");
			worker.put("kiln.worker.spot.enabled", "true");
			worker.put("kiln.worker.spot.poll-interval", "250ms");
			worker.put("spring.lifecycle.timeout-per-shutdown-phase", "15s");
			worker.put("logging.level.com.robothy.netty.codec.HttpMessageHandler", "OFF");
			StringRedisTemplate redis = b.redisClient;
			b.workers = new WorkerFleet(worker, work.resolve("workers"), b.spot,
					(id) -> heartbeating(redis, id));
			return new ChaosStack(b);
		}
		catch (RuntimeException ex) {
			b.closeAll(ex);
			throw ex;
		}
	}

	private static boolean heartbeating(StringRedisTemplate redis, String workerId) {
		try {
			return Boolean.TRUE.equals(redis.hasKey(dev.kiln.contract.RedisKeys.worker(workerId)));
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	@SafeVarargs
	private static ConfigurableApplicationContext run(Class<?> application, Map<String, String>... properties) {
		List<String> args = new ArrayList<>();
		args.add("--server.port=0");
		// LocalS3 logs a stack trace for every HEAD of a missing bucket, which provisioning does on purpose.
		args.add("--logging.level.com.robothy.netty.codec.HttpMessageHandler=OFF");
		for (Map<String, String> map : properties) {
			map.forEach((name, value) -> args.add("--" + name + "=" + value));
		}
		return new SpringApplicationBuilder(application).bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.run(args.toArray(String[]::new));
	}

	@Override
	public void close() {
		Builder b = new Builder();
		b.redis = this.redis;
		b.sqs = this.sqs;
		b.s3 = this.s3;
		b.spot = this.spot;
		b.workers = this.workers;
		b.s3Client = this.s3Client;
		b.sqsClient = this.sqsClient;
		b.redisConnections = this.redisConnections;
		b.services.addAll(this.services);
		RuntimeException failure = new IllegalStateException("Could not stop the chaos stack cleanly");
		b.closeAll(failure);
		if (failure.getSuppressed().length > 0) {
			throw failure;
		}
	}

	private static final class Builder {

		EmbeddedRedis redis;

		ChaosSqs sqs;

		EmbeddedS3 s3;

		SpotMetadataService spot;

		WorkerFleet workers;

		String apiKey;

		String gatewayUrl;

		S3Client s3Client;

		SqsClient sqsClient;

		StringRedisTemplate redisClient;

		LettuceConnectionFactory redisConnections;

		final List<ConfigurableApplicationContext> services = new ArrayList<>();

		void closeAll(RuntimeException failure) {
			List<AutoCloseable> closeables = new ArrayList<>();
			closeables.add(this.workers);
			List<ConfigurableApplicationContext> reversed = new ArrayList<>(this.services);
			Collections.reverse(reversed);
			closeables.addAll(reversed);
			closeables.add((this.redisConnections != null) ? this.redisConnections::destroy : null);
			closeables.add(this.s3Client);
			closeables.add(this.sqsClient);
			closeables.add(this.spot);
			closeables.add(this.sqs);
			closeables.add(this.s3);
			closeables.add(this.redis);
			for (AutoCloseable closeable : closeables) {
				if (closeable == null) {
					continue;
				}
				try {
					closeable.close();
				}
				catch (Exception ex) {
					failure.addSuppressed(ex);
				}
			}
		}

	}

}
