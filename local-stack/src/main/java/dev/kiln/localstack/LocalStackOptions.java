package dev.kiln.localstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Command-line options of the local stack. Every port may be {@code 0} for a free one.
 *
 * @param gatewayPort gateway HTTP port
 * @param queueServicePort queue service HTTP port
 * @param workerPort worker HTTP port (actuator)
 * @param advisorPort advisor HTTP port
 * @param advisorGrpcPort advisor gRPC port (the KEDA external scaler)
 * @param sqsPort embedded SQS port
 * @param s3Port embedded S3 port
 * @param redisPort embedded Redis port
 * @param workDirectory where models, downloaded images and the services' logs ({@code logs/}) are kept
 * @param prompt when set, submit one job with this prompt, wait for it, save the image and exit
 * @param width width of that job
 * @param height height of that job
 * @param steps steps of that job
 * @param seed seed of that job, or {@code null} for a random one
 * @param verbose whether to print the services' logs on the console as well as into their files
 * @param exportedModel the exported Stable Diffusion folder ({@code --model-dir}) served beside the built-in model,
 * or {@code null}
 * @param model the model of the {@code --prompt} job: {@code --model}, else the exported model's id, else
 * {@code null} for the gateway's default model
 */
public record LocalStackOptions(int gatewayPort, int queueServicePort, int workerPort, int advisorPort,
		int advisorGrpcPort, int sqsPort,
		int s3Port, int redisPort, Path workDirectory, @Nullable String prompt, int width, int height, int steps,
		@Nullable Long seed, boolean verbose, @Nullable ExportedModel exportedModel, @Nullable String model) {

	static final String USAGE = """
			Usage: run-local [options]
			  --prompt TEXT            submit one job, wait for it, save the PNG and exit (0 on success)
			  --model-dir DIR          also serve the Stable Diffusion folder tools/export-model wrote to DIR, as
			                           model <DIR's name>; it becomes the default model (kiln-builtin, the
			                           built-in model, only renders abstract patterns from the prompt's words)
			  --model ID               model of that job (default: DIR's model with --model-dir, else kiln-builtin)
			  --width N --height N     size of that job (default 512x512, multiples of 8; with --model-dir the
			                           first size DIR's kiln-model.json lists)
			  --steps N --seed N       steps (default 20) and seed (default random) of that job
			  --gateway-port N         gateway (default 8080); likewise --queue-service-port (8081),
			                           --worker-port (8082), --advisor-port (8083), --advisor-grpc-port (9090)
			  --sqs-port N             embedded SQS (default 9324); --s3-port (9444), --redis-port (6379)
			  --work-dir DIR           models, saved images and logs (default ./kiln-local)
			  --verbose                print every service's log here too (they are always in DIR/logs)
			  --no-build               (run-local only) start from the last build instead of building first
			  Any port may be 0 to pick a free one.""";

	private static final Set<String> OPTIONS = Set.of("prompt", "width", "height", "steps", "seed", "gateway-port",
			"queue-service-port", "worker-port", "advisor-port", "advisor-grpc-port", "sqs-port", "s3-port", "redis-port",
			"work-dir", "model-dir", "model");

	private static final Set<String> FLAGS = Set.of("verbose");

	/** The defaults: fixed, documented ports and {@code ./kiln-local}. */
	public static LocalStackOptions defaults() {
		return new LocalStackOptions(8080, 8081, 8082, 8083, 9090, 9324, 9444, 6379, Path.of("kiln-local"), null, 512, 512,
				20, null, false, null, null);
	}

	/** Free ports everywhere, for tests. */
	public static LocalStackOptions anyPorts(Path workDirectory) {
		return new LocalStackOptions(0, 0, 0, 0, 0, 0, 0, 0, workDirectory, null, 512, 512, 20, null, false, null, null);
	}

	/**
	 * Parses {@code --name value} and {@code --name=value} arguments and {@code --verbose}.
	 * @param args the arguments
	 * @return the options
	 * @throws IllegalArgumentException with a message naming the bad argument
	 * @throws ExportedModel.InvalidModelDirectoryException with one line saying what is wrong with
	 * {@code --model-dir}'s folder
	 */
	public static LocalStackOptions parse(String... args) {
		Map<String, String> values = new LinkedHashMap<>();
		List<String> list = new ArrayList<>(List.of(args));
		for (int i = 0; i < list.size(); i++) {
			String arg = list.get(i);
			if (!arg.startsWith("--")) {
				throw new IllegalArgumentException("Unexpected argument '" + arg + "'");
			}
			String name = arg.substring(2);
			if (FLAGS.contains(name)) {
				values.put(name, "true");
				continue;
			}
			String value;
			int equals = name.indexOf('=');
			if (equals >= 0) {
				value = name.substring(equals + 1);
				name = name.substring(0, equals);
			}
			else if (i + 1 < list.size()) {
				value = list.get(++i);
			}
			else {
				throw new IllegalArgumentException("Option --" + name + " needs a value");
			}
			if (!OPTIONS.contains(name)) {
				throw new IllegalArgumentException("Unknown option --" + name);
			}
			values.put(name, value);
		}
		LocalStackOptions d = defaults();
		String prompt = values.get("prompt");
		if (prompt != null && prompt.isBlank()) {
			throw new IllegalArgumentException("--prompt must not be blank");
		}
		String model = values.get("model");
		if (model != null && !model.matches("[a-z0-9][a-z0-9._-]{0,99}")) {
			throw new IllegalArgumentException(
					"--model must be a model id (lower-case letters, digits, '.', '_' or '-'), got '" + model + "'");
		}
		ExportedModel exported = values.containsKey("model-dir") ? ExportedModel.read(Path.of(values.get("model-dir")))
				: null;
		int width = d.width();
		int height = d.height();
		if (exported != null && !values.containsKey("width") && !values.containsKey("height")) {
			width = exported.defaultSize().width();
			height = exported.defaultSize().height();
		}
		return new LocalStackOptions(port(values, "gateway-port", d.gatewayPort()),
				port(values, "queue-service-port", d.queueServicePort()), port(values, "worker-port", d.workerPort()),
				port(values, "advisor-port", d.advisorPort()),
				port(values, "advisor-grpc-port", d.advisorGrpcPort()), port(values, "sqs-port", d.sqsPort()),
				port(values, "s3-port", d.s3Port()), port(values, "redis-port", d.redisPort()),
				Path.of(values.getOrDefault("work-dir", d.workDirectory().toString())), prompt,
				number(values, "width", width), number(values, "height", height), number(values, "steps", d.steps()),
				values.containsKey("seed") ? (long) number(values, "seed", 0) : null, values.containsKey("verbose"),
				exported, (model != null) ? model : (exported != null) ? exported.id() : null);
	}

	private static int port(Map<String, String> values, String name, int fallback) {
		int port = number(values, name, fallback);
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("--" + name + " must be between 0 and 65535, got " + port);
		}
		return port;
	}

	private static int number(Map<String, String> values, String name, int fallback) {
		String value = values.get(name);
		if (value == null) {
			return fallback;
		}
		try {
			return Integer.parseInt(value.trim());
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("--" + name + " must be a whole number, got '" + value + "'");
		}
	}

}
