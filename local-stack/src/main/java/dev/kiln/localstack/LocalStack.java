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

	private final EmbeddedStack stack;

	private final List<ConfigurableApplicationContext> services;

	private final Map<String, Integer> ports;

	private final long startedMillis;

	private final String apiKey;

	private LocalStack(EmbeddedStack stack, List<ConfigurableApplicationContext> services, Map<String, Integer> ports,
			long startedMillis, String apiKey) {
		this.stack = stack;
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
		EmbeddedStack stack = EmbeddedStack.start(options.sqsPort(), options.s3Port(), options.redisPort());
		List<ConfigurableApplicationContext> services = new ArrayList<>();
		try {
			Map<String, String> common = new LinkedHashMap<>(stack.serviceProperties());
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
		return new LocalStack(stack, services, ports, (System.nanoTime() - begin) / 1_000_000, apiKey);
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

	/** The embedded SQS, S3 and Redis servers. */
	public EmbeddedStack embedded() {
		return this.stack;
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
				  Embedded SQS   %s   S3 %s (path-style)   Redis localhost:%d
				Try:
				  curl -si -X POST %s/v1/jobs -H "Authorization: Bearer %s" -H 'Content-Type: application/json' \\
				       -d '{"prompt": "a lighthouse at dusk", "width": 512, "height": 512}'
				Press Ctrl+C to stop.""".formatted(this.startedMillis / 1000.0, this.apiKey, gatewayUrl(), gatewayUrl(),
				gatewayUrl(),
				this.ports.get("queue-service"), this.ports.get("generation-worker"), advisorUrl(),
				this.ports.get("advisor-grpc"),
				this.stack.sqs().endpoint(), this.stack.s3().endpoint(), this.stack.redis().port(), gatewayUrl(),
				this.apiKey);
	}

	@Override
	public void close() {
		closeAll(this.services, this.stack, null);
	}

	private static void closeAll(List<ConfigurableApplicationContext> services, EmbeddedStack stack,
			RuntimeException failure) {
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
