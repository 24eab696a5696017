package dev.kiln.localstack;

import java.io.IOException;
import java.io.PrintStream;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

import dev.kiln.advisor.AutoscaleAdvisorApplication;
import dev.kiln.advisor.keda.KedaScalerServer;
import dev.kiln.embedded.EmbeddedStack;
import dev.kiln.embedded.Ports;
import dev.kiln.gateway.GatewayApplication;
import dev.kiln.queue.QueueServiceApplication;
import dev.kiln.worker.GenerationWorkerApplication;
import dev.kiln.worker.model.ServedModel;

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

	private static final Logger logger = LoggerFactory.getLogger(LocalStack.class);

	/**
	 * The order services stop in: first those that take work (the worker, then the gateway), then the advisor, last
	 * the queue service, which records what the others report; the embedded stores stop after all of them.
	 */
	private static final List<String> STOP_ORDER = List.of("generation-worker", "gateway", "autoscale-advisor",
			"queue-service");

	private static final ApplicationContextInitializer<ConfigurableApplicationContext> NO_CUSTOMIZER = (context) -> {
	};

	private final @Nullable EmbeddedStack stack;

	private final Map<String, String> backend;

	private final Map<String, ConfigurableApplicationContext> services;

	private final Map<String, Integer> ports;

	private final long startedMillis;

	private final String apiKey;

	private final @Nullable ExportedModel exportedModel;

	private final AtomicBoolean closed = new AtomicBoolean();

	private LocalStack(@Nullable EmbeddedStack stack, Map<String, String> backend,
			Map<String, ConfigurableApplicationContext> services, Map<String, Integer> ports, long startedMillis,
			String apiKey, @Nullable ExportedModel exportedModel) {
		this.stack = stack;
		this.backend = Map.copyOf(backend);
		this.services = services;
		this.ports = ports;
		this.startedMillis = startedMillis;
		this.apiKey = apiKey;
		this.exportedModel = exportedModel;
	}

	/**
	 * Starts everything. On failure, whatever was started is stopped again before the exception is thrown.
	 * @param options ports and work directory
	 * @return the running stack
	 * @throws Ports.PortInUseException when a port is taken, naming the option that changes it
	 */
	public static LocalStack start(LocalStackOptions options) {
		return start(options, null, NO_CUSTOMIZER, (line) -> {
		});
	}

	/**
	 * Starts everything, with every service's application context prepared by {@code eachService} before it is
	 * refreshed: how a test adds a bean to all four services (an in-memory span exporter, say) or a property source.
	 * @param options ports and work directory
	 * @param eachService applied to each service's context, in start order
	 * @return the running stack
	 */
	public static LocalStack start(LocalStackOptions options,
			ApplicationContextInitializer<ConfigurableApplicationContext> eachService) {
		return start(options, null, eachService, (line) -> {
		});
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
		return start(options, backendProperties, NO_CUSTOMIZER, (line) -> {
		});
	}

	private static LocalStack start(LocalStackOptions options, @Nullable Map<String, String> backendProperties,
			ApplicationContextInitializer<ConfigurableApplicationContext> eachService, Consumer<String> progress) {
		long begin = System.nanoTime();
		Map<String, Integer> ports = new LinkedHashMap<>();
		ports.put("queue-service", Ports.claim(options.queueServicePort(), "the queue service", "--queue-service-port"));
		ports.put("generation-worker", Ports.claim(options.workerPort(), "the worker", "--worker-port"));
		ports.put("gateway", Ports.claim(options.gatewayPort(), "the gateway", "--gateway-port"));
		ports.put("autoscale-advisor", Ports.claim(options.advisorPort(), "the advisor", "--advisor-port"));
		// 0 (any port) is left to the gRPC server to bind, and read back once it listens: a port chosen here could be
		// taken by one of the services' outgoing connections before the advisor, which starts last, binds it
		ports.put("advisor-grpc", (options.advisorGrpcPort() != 0) ? Ports.claim(options.advisorGrpcPort(),
				"the advisor's gRPC scaler", "--advisor-grpc-port") : 0);
		progress.accept("Starting Kiln (logs in " + options.workDirectory().resolve("logs") + ")");
		Path models = options.workDirectory().resolve("models").toAbsolutePath();
		try {
			Files.createDirectories(models);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create " + models, ex);
		}
		String apiKey = newApiKey();
		EmbeddedStack stack = null;
		if (backendProperties == null) {
			long stackBegin = System.nanoTime();
			stack = ServiceLogs.as(ServiceLogs.EMBEDDED,
					() -> EmbeddedStack.start(options.sqsPort(), options.s3Port(), options.redisPort()));
			progress.accept(ready("SQS, S3 and Redis", stackBegin));
		}
		Map<String, String> backend = (stack != null) ? stack.serviceProperties() : backendProperties;
		Map<String, ConfigurableApplicationContext> services = new LinkedHashMap<>();
		try {
			Map<String, String> common = new LinkedHashMap<>(backend);
			common.put("kiln.queues.prefix", "kiln");
			common.put("kiln.storage.bucket", "kiln-images");
			// Local runs may send webhooks to plain-http receivers on this machine: the gateway accepts such callback
			// URLs and the queue service calls them (kiln.callbacks.* is read by every service).
			common.put("kiln.callbacks.allow-http", "true");
			common.put("kiln.callbacks.allow-non-default-ports", "true");
			common.put("kiln.callbacks.allow-private-networks", "true");
			Map<String, String> noApiDocs = Map.of("springdoc.api-docs.enabled", "false",
					"springdoc.swagger-ui.enabled", "false");

			// The queue service provisions the queues and the bucket, so it starts first.
			// Its SQS listener stops only when its current long poll answers: locally a 1 s poll costs nothing and
			// lets it stop within a second instead of ten.
			run(services, eachService, progress, "queue-service", QueueServiceApplication.class, ports, common,
					noApiDocs, Map.of("kiln.provision", "true", "spring.cloud.aws.sqs.listener.poll-timeout", "1s"));
			// A render still running when the stack stops stops at its next step (not after up to 20 s): its queue
			// and record go with the stack, so there is nobody to finish it for.
			// --model-dir: the worker serves the exported folder beside the built-in model, takes its limits from its
			// kiln-model.json and announces them in its heartbeats, which is how the gateway learns of it.
			ExportedModel exported = options.exportedModel();
			run(services, eachService, progress, "generation-worker", GenerationWorkerApplication.class, ports, common, noApiDocs,
					Map.of("kiln.worker.model-cache", models.toString(), "kiln.worker.id", "local-worker-1",
							"kiln.worker.drain-timeout", "0s"),
					(exported != null) ? exported.workerProperties() : Map.of());
			// Requests that name no model get the exported one; the gateway's catalog comes from the heartbeats.
			Map<String, String> defaultModel = (exported != null)
					? Map.of("kiln.jobs.default-model", exported.id()) : Map.of();
			// One admin key for the "demo" tenant, created at start-up and printed; only its hash is stored.
			run(services, eachService, progress, "gateway", GatewayApplication.class, ports, common,
					Map.of("kiln.gateway.auth.bootstrap-keys[0].key", apiKey,
							"kiln.gateway.auth.bootstrap-keys[0].tenant", "demo",
							"kiln.gateway.auth.bootstrap-keys[0].admin", "true",
							"kiln.gateway.auth.bootstrap-keys[0].name", "local-stack"),
					defaultModel);
			run(services, eachService, progress, "autoscale-advisor", AutoscaleAdvisorApplication.class, ports, common, noApiDocs,
					Map.of("kiln.advisor.grpc-port", Integer.toString(ports.get("advisor-grpc"))));
			ports.put("advisor-grpc", services.get("autoscale-advisor").getBean(KedaScalerServer.class).port());
		}
		catch (RuntimeException ex) {
			closeAll(services, stack, ex);
			throw ex;
		}
		return new LocalStack(stack, backend, services, ports, (System.nanoTime() - begin) / 1_000_000, apiKey,
				options.exportedModel());
	}

	private static String ready(String what, long beginNanos) {
		return "  %-17s ready in %.1f s".formatted(what, (System.nanoTime() - beginNanos) / 1e9);
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

	/**
	 * Starts one service as its own application context, on a thread that carries its name so that its log goes
	 * to its own file ({@link ServiceLogs}).
	 * @throws ServiceStartException when it does not start
	 */
	@SafeVarargs
	private static void run(Map<String, ConfigurableApplicationContext> services,
			ApplicationContextInitializer<ConfigurableApplicationContext> eachService, Consumer<String> progress,
			String name, Class<?> application, Map<String, Integer> ports, Map<String, String>... properties) {
		List<String> args = new ArrayList<>();
		args.add("--server.port=" + ports.get(name));
		// LocalS3 logs a stack trace for every HEAD of a missing bucket, which provisioning does on purpose.
		args.add("--logging.level.com.robothy.netty.codec.HttpMessageHandler=OFF");
		for (Map<String, String> map : properties) {
			map.forEach((key, value) -> args.add("--" + key + "=" + value));
		}
		long begin = System.nanoTime();
		try {
			services.put(name,
					ServiceLogs.as(name,
							() -> new SpringApplicationBuilder(application).bannerMode(Banner.Mode.OFF)
								.registerShutdownHook(false)
								.initializers(eachService)
								.run(args.toArray(String[]::new))));
		}
		catch (RuntimeException ex) {
			throw new ServiceStartException(name, ex);
		}
		progress.accept(ready(name, begin));
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

	/**
	 * What to print once everything is up.
	 * @param staysUp whether the stack keeps running (no {@code --prompt}): then it also says how to try it and how
	 * to stop it
	 */
	String summary(boolean staysUp) {
		String summary = """
				Kiln local stack is up (%.1f s).
				  API key        %s   (tenant "demo", admin; send it as Authorization: Bearer <key>)
				  Gateway        %s   (web page: %s/, Swagger UI: %s/swagger-ui.html)
				  Queue service  http://localhost:%d/actuator/health
				  Worker         http://localhost:%d/actuator/health
				  Advisor        %s/v1/scaling   (KEDA external scaler: gRPC localhost:%d)
				  Backends       SQS %s   S3 %s (path-style)   Redis %s:%s""".formatted(this.startedMillis / 1000.0,
				this.apiKey, gatewayUrl(), gatewayUrl(), gatewayUrl(), this.ports.get("queue-service"),
				this.ports.get("generation-worker"), advisorUrl(), this.ports.get("advisor-grpc"),
				this.backend.get("spring.cloud.aws.sqs.endpoint"), this.backend.get("spring.cloud.aws.s3.endpoint"),
				this.backend.get("spring.data.redis.host"), this.backend.get("spring.data.redis.port"));
		summary += "\n" + models();
		if (!staysUp) {
			return summary;
		}
		int width = (this.exportedModel != null) ? this.exportedModel.defaultSize().width() : 512;
		int height = (this.exportedModel != null) ? this.exportedModel.defaultSize().height() : 512;
		return summary + """

				Try:
				  curl -si -X POST %s/v1/jobs -H "Authorization: Bearer %s" -H 'Content-Type: application/json' \\
				       -d '{"prompt": "a lighthouse at dusk", "width": %d, "height": %d}'
				Press Ctrl+C to stop.""".formatted(gatewayUrl(), this.apiKey, width, height);
	}

	/** Which models render, and what they are: the built-in model is not Stable Diffusion. */
	private String models() {
		String builtin = ExportedModel.BUILTIN + ": " + ServedModel.Limits.BUILTIN_DESCRIPTION;
		if (this.exportedModel == null) {
			return "  Model          " + builtin;
		}
		return "  Models         %s: Stable Diffusion %s from %s, sizes %s (the default)\n                 %s".formatted(
				this.exportedModel.id(), this.exportedModel.manifest().family(), this.exportedModel.directory(),
				String.join(", ", this.exportedModel.manifest().sizes().stream().map(Object::toString).toList()),
				builtin);
	}

	/**
	 * Stops the services in {@link #STOP_ORDER}, then the embedded stores. Only the first call does anything; a
	 * call while another is still stopping the stack returns at once.
	 */
	@Override
	public void close() {
		if (this.closed.compareAndSet(false, true)) {
			closeAll(this.services, this.stack, null);
		}
	}

	private static void closeAll(Map<String, ConfigurableApplicationContext> services, @Nullable EmbeddedStack stack,
			@Nullable RuntimeException failure) {
		for (String name : STOP_ORDER) {
			ConfigurableApplicationContext context = services.get(name);
			if (context == null) {
				continue;
			}
			long begin = System.nanoTime();
			try {
				ServiceLogs.as(name, context::close);
				logger.info("Stopped {} in {} ms", name, (System.nanoTime() - begin) / 1_000_000);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not stop {} cleanly", name, ex);
				if (failure != null) {
					failure.addSuppressed(ex);
				}
			}
		}
		if (stack == null) {
			return;
		}
		long begin = System.nanoTime();
		try {
			ServiceLogs.as(ServiceLogs.EMBEDDED, stack::close);
			logger.info("Stopped the embedded SQS, S3 and Redis in {} ms", (System.nanoTime() - begin) / 1_000_000);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not stop the embedded SQS, S3 and Redis cleanly", ex);
			if (failure != null) {
				failure.addSuppressed(ex);
			}
		}
	}

	/**
	 * What {@code run-local} runs. Prints a few progress lines and sends the services' logs to
	 * {@code <work dir>/logs}; exits with 0 after a {@code --prompt} job saved its image, 1 with one line on
	 * standard error when something failed, 2 for bad arguments, 128 + the signal's number when stopped by a signal.
	 * @param args see {@link LocalStackOptions#USAGE}
	 */
	public static void main(String[] args) {
		if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
			System.out.println(LocalStackOptions.USAGE);
			return;
		}
		LocalStackOptions options;
		try {
			options = LocalStackOptions.parse(args);
		}
		catch (ExportedModel.InvalidModelDirectoryException ex) {
			System.err.println(ex.getMessage());
			System.exit(2);
			return;
		}
		catch (IllegalArgumentException ex) {
			System.err.println(ex.getMessage());
			System.err.println(LocalStackOptions.USAGE);
			System.exit(2);
			return;
		}
		PrintStream out = System.out;
		Path logs = options.workDirectory().resolve("logs");
		PrintStream err;
		try {
			err = ServiceLogs.install(logs, options.verbose());
		}
		catch (UncheckedIOException ex) {
			System.err.println(ex.getMessage() + ": " + ex.getCause().getMessage());
			System.exit(1);
			return;
		}
		LocalStack stack;
		try {
			stack = start(options, null, NO_CUSTOMIZER, out::println);
		}
		catch (RuntimeException ex) {
			String line = failure(ex, logs);
			logger.error(line, ex);
			err.println(line);
			System.exit(1);
			return;
		}
		Stopper stopper = new Stopper(stack, out);
		Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "kiln-local-stack-shutdown"));
		stopper.stopOnSignals();
		out.println(stack.summary(options.prompt() == null));
		if (options.prompt() == null) {
			return;
		}
		int status = 0;
		try (DemoJob job = new DemoJob(stack.gatewayUrl(), stack.apiKey(), options.workDirectory().resolve("images"),
				out)) {
			job.run(options);
		}
		catch (RuntimeException ex) {
			if (stopper.isStopping()) {
				stopper.awaitExit();
			}
			logger.error("The demo job failed", ex);
			err.println((ex instanceof DemoJob.JobFailedException) ? ex.getMessage()
					: "The job could not be run: " + ex.getMessage() + " (details in " + logs.resolve("local-stack.log")
							+ ")");
			status = 1;
		}
		stopper.stopAndExit(status, null);
	}

	private static String failure(RuntimeException ex, Path logs) {
		if (ex instanceof Ports.PortInUseException) {
			return ex.getMessage();
		}
		if (ex instanceof ServiceStartException start) {
			return start.getMessage() + " (details in " + logs.resolve(start.service() + ".log") + ")";
		}
		return "Kiln did not start: " + ex.getMessage() + " (details in " + logs.resolve("local-stack.log") + ")";
	}

	/** A service did not start; the message names it and the root cause. */
	static final class ServiceStartException extends RuntimeException {

		private final String service;

		ServiceStartException(String service, RuntimeException cause) {
			super(service + " did not start: " + rootMessage(cause), cause);
			this.service = service;
		}

		String service() {
			return this.service;
		}

		private static String rootMessage(Throwable ex) {
			Throwable root = ex;
			while (root.getCause() != null && root.getCause() != root) {
				root = root.getCause();
			}
			return (root.getMessage() != null) ? root.getMessage() : root.getClass().getSimpleName();
		}

	}

}
