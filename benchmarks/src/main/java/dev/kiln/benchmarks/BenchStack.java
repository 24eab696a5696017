package dev.kiln.benchmarks;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import dev.kiln.advisor.AutoscaleAdvisorApplication;
import dev.kiln.advisor.keda.KedaScalerServer;
import dev.kiln.embedded.EmbeddedStack;
import dev.kiln.gateway.GatewayApplication;
import dev.kiln.queue.QueueServiceApplication;
import dev.kiln.worker.GenerationWorkerApplication;

/**
 * The embedded SQS, S3 and Redis and the chosen Kiln services in this JVM, started the way {@code LocalStack} starts
 * them (one Spring context per service, its real configuration) but with the benchmark's own properties: many
 * tenants with high limits, no worker when only the gateway is measured.
 */
final class BenchStack implements AutoCloseable {

	static final String BUCKET = "kiln-images";

	/** The worker's no-op model: the end-to-end benchmark's "zero-cost model". */
	static final String NOOP_MODEL = "kiln-noop";

	/** The services a bench stack runs, each its own Spring context, started in this order. */
	enum Service {

		QUEUE_SERVICE(QueueServiceApplication.class),

		WORKER(GenerationWorkerApplication.class),

		GATEWAY(GatewayApplication.class),

		/** A second gateway that serves requests on platform threads instead of virtual threads. */
		PLATFORM_THREADS_GATEWAY(GatewayApplication.class),

		/** The advisor as configured (deciding on arrivals and on its poll). */
		ADVISOR(AutoscaleAdvisorApplication.class),

		/** A second advisor that decides only on its poll. */
		POLL_ONLY_ADVISOR(AutoscaleAdvisorApplication.class);

		private final Class<?> application;

		Service(Class<?> application) {
			this.application = application;
		}

	}

	private final EmbeddedStack embedded;

	private final Map<Service, ConfigurableApplicationContext> services;

	private final RedisClient redisClient;

	private final StatefulRedisConnection<String, String> redis;

	private final SqsAsyncClient sqs;

	private final S3Client s3;

	private BenchStack(EmbeddedStack embedded, Map<Service, ConfigurableApplicationContext> services) {
		this.embedded = embedded;
		this.services = services;
		this.redisClient = RedisClient.create("redis://127.0.0.1:" + embedded.redis().port());
		this.redis = this.redisClient.connect();
		StaticCredentialsProvider credentials = StaticCredentialsProvider
			.create(AwsBasicCredentials.create("kiln-local", "kiln-local"));
		this.sqs = SqsAsyncClient.builder()
			.endpointOverride(embedded.sqs().endpoint())
			.region(Region.of(EmbeddedStack.REGION))
			.credentialsProvider(credentials)
			.build();
		this.s3 = S3Client.builder()
			.endpointOverride(embedded.s3().endpoint())
			.region(Region.of(EmbeddedStack.REGION))
			.credentialsProvider(credentials)
			.forcePathStyle(true)
			.build();
	}

	/**
	 * Starts the stack.
	 * @param worker start a generation worker
	 * @param advisor start the autoscale advisor
	 * @param keys API keys to create, one tenant each
	 * @param platformThreadsGateway also start a second gateway, {@link Service#PLATFORM_THREADS_GATEWAY}, that serves
	 * requests on platform threads ({@code spring.threads.virtual.enabled=false}) instead of virtual threads
	 * @param pollOnlyAdvisor with {@code advisor}, also start a second advisor, {@link Service#POLL_ONLY_ADVISOR}, that
	 * decides only on its poll ({@code kiln.advisor.wake.enabled=false}), the way the advisor worked before it woke on
	 * arrivals: the baseline of the scale signal, measured side by side
	 * @return the running stack
	 */
	static BenchStack start(boolean worker, boolean advisor, Map<String, String> keys, boolean platformThreadsGateway,
			boolean pollOnlyAdvisor) {
		EmbeddedStack embedded = EmbeddedStack.start(0, 0, 0);
		Map<Service, ConfigurableApplicationContext> services = new EnumMap<>(Service.class);
		try {
			Map<String, String> common = new LinkedHashMap<>(embedded.serviceProperties());
			common.put("kiln.queues.prefix", "kiln");
			common.put("kiln.storage.bucket", BUCKET);
			common.put("springdoc.api-docs.enabled", "false");
			common.put("springdoc.swagger-ui.enabled", "false");
			common.put("logging.level.root", "WARN");
			common.put("logging.level.com.robothy.netty.codec.HttpMessageHandler", "OFF");
			run(services, Service.QUEUE_SERVICE, common, Map.of("kiln.provision", "true"));
			if (worker) {
				String models = System.getProperty("java.io.tmpdir") + "/kiln-bench-models";
				run(services, Service.WORKER, common,
						Map.of("kiln.worker.model-cache", models, "kiln.worker.id", "bench-worker-1",
								"kiln.worker.models." + NOOP_MODEL + ".type", "noop",
								"kiln.worker.models." + NOOP_MODEL + ".location", "none"));
			}
			Map<String, String> gateway = new LinkedHashMap<>();
			int i = 0;
			for (Map.Entry<String, String> key : keys.entrySet()) {
				gateway.put("kiln.gateway.auth.bootstrap-keys[" + i + "].key", key.getKey());
				gateway.put("kiln.gateway.auth.bootstrap-keys[" + i + "].tenant", key.getValue());
				gateway.put("kiln.gateway.auth.bootstrap-keys[" + i + "].name", "bench");
				i++;
			}
			gateway.put("kiln.gateway.limits.requests-per-second", "1000000");
			gateway.put("kiln.gateway.limits.burst", "1000000");
			gateway.put("kiln.gateway.limits.max-queued-jobs", "10000");
			run(services, Service.GATEWAY, common, gateway);
			if (platformThreadsGateway) {
				gateway.put("spring.threads.virtual.enabled", "false");
				run(services, Service.PLATFORM_THREADS_GATEWAY, common, gateway);
			}
			if (advisor) {
				run(services, Service.ADVISOR, common, Map.of("kiln.advisor.grpc-port", "0"));
			}
			if (advisor && pollOnlyAdvisor) {
				run(services, Service.POLL_ONLY_ADVISOR, common, Map.of("kiln.advisor.grpc-port", "0",
						"kiln.advisor.wake.enabled", "false", "kiln.advisor.cost.attribution", "false"));
			}
		}
		catch (RuntimeException ex) {
			stop(services);
			embedded.close();
			throw ex;
		}
		return new BenchStack(embedded, services);
	}

	@SafeVarargs
	private static void run(Map<Service, ConfigurableApplicationContext> services, Service service,
			Map<String, String>... properties) {
		List<String> args = new ArrayList<>();
		args.add("--server.port=0");
		for (Map<String, String> map : properties) {
			map.forEach((key, value) -> args.add("--" + key + "=" + value));
		}
		services.put(service, new SpringApplicationBuilder(service.application).bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.run(args.toArray(String[]::new)));
	}

	/** Closes the services in the reverse of their start order. */
	private static void stop(Map<Service, ConfigurableApplicationContext> services) {
		List<ConfigurableApplicationContext> reversed = new ArrayList<>(services.values());
		Collections.reverse(reversed);
		reversed.forEach(ConfigurableApplicationContext::close);
	}

	private ConfigurableApplicationContext context(Service service) {
		ConfigurableApplicationContext context = this.services.get(service);
		if (context == null) {
			throw new IllegalStateException("The service " + service + " is not running");
		}
		return context;
	}

	/**
	 * The gRPC port of an advisor's KEDA external scaler.
	 * @param advisor {@link Service#ADVISOR} or {@link Service#POLL_ONLY_ADVISOR}
	 * @return the port
	 */
	int advisorGrpcPort(Service advisor) {
		return context(advisor).getBean(KedaScalerServer.class).port();
	}

	/**
	 * A bean of a running service: the floor of the end-to-end run uses the services' own clients.
	 * @param service the service
	 * @param type the bean's type
	 * @return the bean
	 */
	<T> T bean(Service service, Class<T> type) {
		return context(service).getBean(type);
	}

	URI url(Service service) {
		return URI.create("http://localhost:" + context(service).getEnvironment().getProperty("local.server.port"));
	}

	StatefulRedisConnection<String, String> redis() {
		return this.redis;
	}

	SqsAsyncClient sqs() {
		return this.sqs;
	}

	S3Client s3() {
		return this.s3;
	}

	@Override
	public void close() {
		this.sqs.close();
		this.s3.close();
		this.redis.close();
		this.redisClient.shutdown();
		stop(this.services);
		this.embedded.close();
	}

}
