package dev.kiln.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.kiln.advisor.AutoscaleAdvisorApplication;
import dev.kiln.embedded.EmbeddedStack;
import dev.kiln.embedded.Ports;
import dev.kiln.gateway.GatewayApplication;
import dev.kiln.queue.QueueServiceApplication;
import dev.kiln.worker.GenerationWorkerApplication;

/**
 * Embedded SQS, S3 and Redis and the four Kiln services, each a separate Spring application context with its real
 * configuration, pointed at the embedded servers exactly as they would be pointed at AWS and ElastiCache.
 *
 * <pre>
 * run-local                          # start and keep running
 * run-local --prompt "a red fox"     # start, render one image, save it, exit
 * </pre>
 */
public final class LocalStack implements AutoCloseable {

	private final @Nullable EmbeddedStack stack;

	private final Map<String, String> backend;

	private final List<ConfigurableApplicationContext> services;

	private final Map<String, Integer> ports;

	private final long startedMillis;

	private final String apiKey;

	private LocalStack(@Nullable EmbeddedStack stack, Map<String, String> backend,
			List<ConfigurableApplicationContext> services, Map<String, Integer> ports, long startedMillis,
			String apiKey) {
		this.stack = stack;
		this.backend = Map.copyOf(backend);
		this.services = services;
		this.ports = ports;
		this.startedMillis = startedMillis;
		this.apiKey = apiKey;
	}

	/**
	 * Starts everything. On failure, whatever was started is stopped again before the exception is thrown.
	 * @param options ports and work directory
	 * @return the running stack
	 * @throws Ports.PortInUseException when a port is taken, naming the option that changes it
	 */
	public static LocalStack start(LocalStackOptions options) {
		return start(options, null);
	}

	/**
	 * Starts the four services against SQS, S3 and Redis that are already running elsewhere (LocalStack and Redis
	 * containers, say) instead of the embedded ones.
	 * @param options ports and work directory; the embedded servers' ports are ignored
	 * @param backendProperties the Spring properties that point a service at them, as
	 * {@link EmbeddedStack#serviceProperties()} gives for the embedded ones
	 * @return the running stack
	 */
	public static LocalStack startAgainst(LocalStackOptions options, Map<String, String> backendProperties) {
		return start(options, backendProperties);
	}

	private static LocalStack start(LocalStackOptions options, @Nullable Map<String, String> backendProperties) {
		long begin = System.nanoTime();
		Map<String, Integer> ports = new LinkedHashMap<>();
		ports.put("queue-service", Ports.claim(options.queueServicePort(), "the queue service", "--queue-service-port"));
		ports.put("generation-worker", Ports.claim(options.workerPort(), "the worker", "--worker-port"));
		ports.put("gateway", Ports.claim(options.gatewayPort(), "the gateway", "--gateway-port"));
		ports.put("autoscale-advisor", Ports.claim(options.advisorPort(), "the advisor", "--advisor-port"));
		ports.put("advisor-grpc", Ports.claim(options.advisorGrpcPort(), "the advisor's gRPC scaler",
				"--advisor-grpc-port"));
		Path models = options.workDirectory().resolve("models").toAbsolutePath();
		try {
			Files.createDirectories(models);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create " + models, ex);
		}
		String apiKey = newApiKey();
		EmbeddedStack stack = (backendProperties != null) ? null
				: EmbeddedStack.start(options.sqsPort(), options.s3Port(), options.redisPort());
		Map<String, String> backend = (stack != null) ? stack.serviceProperties() : backendProperties;
		List<ConfigurableApplicationContext> services = new ArrayList<>();
		try {
			Map<String, String> common = new LinkedHashMap<>(backend);
			common.put("kiln.queues.prefix", "kiln");
			common.put("kiln.storage.bucket", "kiln-images");
			Map<String, String> noApiDocs = Map.of("springdoc.api-docs.enabled", "false",
					"springdoc.swagger-ui.enabled", "false");

			// The queue service provisions the queues and the bucket, so it starts first.
			// Local runs may send webhooks to plain-http receivers on this machine.
			services.add(run(QueueServiceApplication.class, ports.get("queue-service"), common, noApiDocs,
					Map.of("kiln.provision", "true", "kiln.webhooks.allow-http", "true",
							"kiln.webhooks.allow-non-default-ports", "true", "kiln.webhooks.allow-private-networks",
							"true")));
			services.add(run(GenerationWorkerApplication.class, ports.get("generation-worker"), common, noApiDocs,
					Map.of("kiln.worker.model-cache", models.toString(), "kiln.worker.id", "local-worker-1")));
			// One admin key for the "demo" tenant, created at start-up and printed; only its hash is stored.
			services.add(run(GatewayApplication.class, ports.get("gateway"), common,
					Map.of("kiln.gateway.auth.bootstrap-keys[0].key", apiKey,
							"kiln.gateway.auth.bootstrap-keys[0].tenant", "demo",
							"kiln.gateway.auth.bootstrap-keys[0].admin", "true",
							"kiln.gateway.auth.bootstrap-keys[0].name", "local-stack"),
					Map.of("kiln.gateway.callbacks.allow-http", "true", "kiln.gateway.callbacks.allow-non-default-ports",
							"true", "kiln.gateway.callbacks.allow-private-networks", "true")));
			services.add(run(AutoscaleAdvisorApplication.class, ports.get("autoscale-advisor"), common, noApiDocs,
					Map.of("kiln.advisor.grpc-port", Integer.toString(ports.get("advisor-grpc")))));
		}
		catch (RuntimeException ex) {
			closeAll(services, stack, ex);
			throw ex;
		}
		return new LocalStack(stack, backend, services, ports, (System.nanoTime() - begin) / 1_000_000, apiKey);
	}

	private static String newApiKey() {
		byte[] random = new byte[24];
		new SecureRandom().nextBytes(random);
		return "kiln_demo_" + HexFormat.of().formatHex(random);
	}

	/** The demo tenant's API key (an admin key), valid until the stack stops. */
	public String apiKey() {
		return this.apiKey;
	}

	/** The queue service's base URL (admin API). */
	public String queueServiceUrl() {
		return "http://localhost:" + this.ports.get("queue-service");
	}

	@SafeVarargs
	private static ConfigurableApplicationContext run(Class<?> application, int port, Map<String, String>... properties) {
		List<String> args = new ArrayList<>();
		args.add("--server.port=" + port);
		// LocalS3 logs a stack trace for every HEAD of a missing bucket, which provisioning does on purpose.
		args.add("--logging.level.com.robothy.netty.codec.HttpMessageHandler=OFF");
		for (Map<String, String> map : properties) {
			map.forEach((name, value) -> args.add("--" + name + "=" + value));
		}
		return new SpringApplicationBuilder(application).bannerMode(Banner.Mode.OFF)
			.registerShutdownHook(false)
			.run(args.toArray(String[]::new));
	}

	/** The gateway's base URL. */
	public String gatewayUrl() {
		return "http://localhost:" + this.ports.get("gateway");
	}

	/** The advisor's base URL. */
	public String advisorUrl() {
		return "http://localhost:" + this.ports.get("autoscale-advisor");
	}

	/**
	 * The embedded SQS, S3 and Redis servers.
	 * @throws IllegalStateException when the stack runs against external backends
	 */
	public EmbeddedStack embedded() {
		if (this.stack == null) {
			throw new IllegalStateException("This stack runs against external SQS, S3 and Redis");
		}
		return this.stack;
	}

	/** The Spring properties that point the services at SQS, S3 and Redis (region, credentials, endpoints). */
	public Map<String, String> backendProperties() {
		return this.backend;
	}

	/** Service name to HTTP port. */
	public Map<String, Integer> ports() {
		return Collections.unmodifiableMap(this.ports);
	}

	/** What to print once everything is up. */
	String summary() {
		return """
				Kiln local stack is up (%.1f s).
				  API key        %s   (tenant "demo", admin; send it as Authorization: Bearer <key>)
				  Gateway        %s   (web page: %s/, Swagger UI: %s/swagger-ui.html)
				  Queue service  http://localhost:%d/actuator/health
				  Worker         http://localhost:%d/actuator/health
				  Advisor        %s/v1/scaling   (KEDA external scaler: gRPC localhost:%d)
				  Backends       SQS %s   S3 %s (path-style)   Redis %s:%s
				Try:
				  curl -si -X POST %s/v1/jobs -H "Authorization: Bearer %s" -H 'Content-Type: application/json' \\
				       -d '{"prompt": "a lighthouse at dusk", "width": 512, "height": 512}'
				Press Ctrl+C to stop.""".formatted(this.startedMillis / 1000.0, this.apiKey, gatewayUrl(), gatewayUrl(),
				gatewayUrl(),
				this.ports.get("queue-service"), this.ports.get("generation-worker"), advisorUrl(),
				this.ports.get("advisor-grpc"),
				this.backend.get("spring.cloud.aws.sqs.endpoint"), this.backend.get("spring.cloud.aws.s3.endpoint"),
				this.backend.get("spring.data.redis.host"), this.backend.get("spring.data.redis.port"), gatewayUrl(),
				this.apiKey);
	}

	@Override
	public void close() {
		closeAll(this.services, this.stack, null);
	}

	private static void closeAll(List<ConfigurableApplicationContext> services, @Nullable EmbeddedStack stack,
			@Nullable RuntimeException failure) {
		List<ConfigurableApplicationContext> reversed = new ArrayList<>(services);
		Collections.reverse(reversed);
		for (ConfigurableApplicationContext context : reversed) {
			try {
				context.close();
			}
			catch (RuntimeException ex) {
				if (failure != null) {
					failure.addSuppressed(ex);
				}
			}
		}
		if (stack == null) {
			return;
		}
		try {
			stack.close();
		}
		catch (RuntimeException ex) {
			if (failure != null) {
				failure.addSuppressed(ex);
			}
		}
	}

	public static void main(String[] args) {
		if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
			System.out.println(LocalStackOptions.USAGE);
			return;
		}
		LocalStackOptions options;
		try {
			options = LocalStackOptions.parse(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println(ex.getMessage());
			System.err.println(LocalStackOptions.USAGE);
			System.exit(2);
			return;
		}
		LocalStack stack;
		try {
			stack = start(options);
		}
		catch (Ports.PortInUseException ex) {
			System.err.println(ex.getMessage());
			System.exit(1);
			return;
		}
		Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "kiln-local-stack-shutdown"));
		System.out.println(stack.summary());
		if (options.prompt() != null) {
			int status = new DemoJob(stack.gatewayUrl(), stack.apiKey(), options.workDirectory().resolve("images"))
				.run(options);
			System.exit(status);
		}
	}

}
